/*
 * Built-in location tables for routing: the AWS Region codes with the
 * approximate coordinates of each Region (latency fallback, geoproximity
 * AWSRegion), the AWS Local Zone groups (geoproximity LocalZoneGroup), and
 * Route 53's fixed country → continent lists (geolocation). Plus the
 * great-circle distance all of them are compared with.
 *
 * The tables are constant data compiled into the binary: AWS does not publish
 * Region coordinates, so each entry is the metropolitan area AWS names for the
 * Region or zone, rounded to two decimals (the precision Route 53 accepts for
 * Coordinates). That is accurate to well under the distances that separate
 * Regions, which is all geoproximity and the latency fallback need. The
 * Region order is part of the snapshot format (latency rows are indexed by
 * it), so new Regions are appended, never inserted.
 */
#include "route_data.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Commercial Regions, then GovCloud, then China, then the European
 * Sovereign Cloud. */
const struct dnsp_region dnsp_regions[] = {
	{ "us-east-1", 39.04, -77.49 },       /* N. Virginia (Ashburn) */
	{ "us-east-2", 39.96, -83.00 },       /* Ohio (Columbus) */
	{ "us-west-1", 37.34, -121.89 },      /* N. California (San Jose) */
	{ "us-west-2", 45.84, -119.70 },      /* Oregon (Boardman) */
	{ "af-south-1", -33.92, 18.42 },      /* Cape Town */
	{ "ap-east-1", 22.32, 114.17 },       /* Hong Kong */
	{ "ap-east-2", 25.03, 121.57 },       /* Taipei */
	{ "ap-south-1", 19.08, 72.88 },       /* Mumbai */
	{ "ap-south-2", 17.39, 78.49 },       /* Hyderabad */
	{ "ap-southeast-1", 1.35, 103.82 },   /* Singapore */
	{ "ap-southeast-2", -33.87, 151.21 }, /* Sydney */
	{ "ap-southeast-3", -6.21, 106.85 },  /* Jakarta */
	{ "ap-southeast-4", -37.81, 144.96 }, /* Melbourne */
	{ "ap-southeast-5", 3.14, 101.69 },   /* Malaysia (Kuala Lumpur) */
	{ "ap-southeast-6", -36.85, 174.76 }, /* New Zealand (Auckland) */
	{ "ap-southeast-7", 13.76, 100.50 },  /* Thailand (Bangkok) */
	{ "ap-northeast-1", 35.68, 139.69 },  /* Tokyo */
	{ "ap-northeast-2", 37.57, 126.98 },  /* Seoul */
	{ "ap-northeast-3", 34.69, 135.50 },  /* Osaka */
	{ "ca-central-1", 45.50, -73.57 },    /* Canada Central (Montreal) */
	{ "ca-west-1", 51.05, -114.07 },      /* Calgary */
	{ "eu-central-1", 50.11, 8.68 },      /* Frankfurt */
	{ "eu-central-2", 47.37, 8.54 },      /* Zurich */
	{ "eu-west-1", 53.35, -6.26 },        /* Ireland (Dublin) */
	{ "eu-west-2", 51.51, -0.13 },        /* London */
	{ "eu-west-3", 48.86, 2.35 },         /* Paris */
	{ "eu-south-1", 45.46, 9.19 },        /* Milan */
	{ "eu-south-2", 41.65, -0.88 },       /* Spain (Aragon) */
	{ "eu-north-1", 59.33, 18.07 },       /* Stockholm */
	{ "il-central-1", 32.09, 34.78 },     /* Tel Aviv */
	{ "me-south-1", 26.23, 50.59 },       /* Bahrain */
	{ "me-central-1", 25.20, 55.27 },     /* UAE (Dubai) */
	{ "mx-central-1", 20.59, -100.39 },   /* Mexico (Queretaro) */
	{ "sa-east-1", -23.55, -46.63 },      /* Sao Paulo */
	{ "us-gov-east-1", 39.96, -83.00 },   /* AWS GovCloud (US-East), Ohio */
	{ "us-gov-west-1", 45.84, -119.70 },  /* AWS GovCloud (US-West), Oregon */
	{ "cn-north-1", 39.90, 116.41 },      /* Beijing */
	{ "cn-northwest-1", 37.50, 105.19 },  /* Ningxia (Zhongwei) */
	{ "eusc-de-east-1", 52.39, 13.06 },   /* European Sovereign Cloud (Brandenburg) */
};
const uint32_t dnsp_nregions = sizeof(dnsp_regions) / sizeof(dnsp_regions[0]);

_Static_assert(sizeof(dnsp_regions) / sizeof(dnsp_regions[0]) <= DNSP_NREGIONS_MAX,
	       "raise DNSP_NREGIONS_MAX");

/* Local Zone groups: "<parent Region>-<metro>-<n>", the value of
 * LocalZoneGroup (a zone "us-west-2-lax-1a" belongs to group
 * "us-west-2-lax-1"). */
const struct dnsp_local_zone_group dnsp_local_zone_groups[] = {
	{ "us-east-1-atl-1", "us-east-1", 33.75, -84.39 },   /* Atlanta */
	{ "us-east-1-atl-2", "us-east-1", 33.75, -84.39 },
	{ "us-east-1-bos-1", "us-east-1", 42.36, -71.06 },   /* Boston */
	{ "us-east-1-bue-1", "us-east-1", -34.60, -58.38 },  /* Buenos Aires */
	{ "us-east-1-chi-1", "us-east-1", 41.88, -87.63 },   /* Chicago */
	{ "us-east-1-chi-2", "us-east-1", 41.88, -87.63 },
	{ "us-east-1-dfw-1", "us-east-1", 32.78, -96.80 },   /* Dallas */
	{ "us-east-1-dfw-2", "us-east-1", 32.78, -96.80 },
	{ "us-east-1-iah-1", "us-east-1", 29.76, -95.37 },   /* Houston */
	{ "us-east-1-iah-2", "us-east-1", 29.76, -95.37 },
	{ "us-east-1-lim-1", "us-east-1", -12.05, -77.04 },  /* Lima */
	{ "us-east-1-mci-1", "us-east-1", 39.10, -94.58 },   /* Kansas City */
	{ "us-east-1-mia-1", "us-east-1", 25.76, -80.19 },   /* Miami */
	{ "us-east-1-mia-2", "us-east-1", 25.76, -80.19 },
	{ "us-east-1-msp-1", "us-east-1", 44.98, -93.27 },   /* Minneapolis */
	{ "us-east-1-nyc-1", "us-east-1", 40.71, -74.01 },   /* New York City */
	{ "us-east-1-nyc-2", "us-east-1", 40.71, -74.01 },
	{ "us-east-1-phl-1", "us-east-1", 39.95, -75.17 },   /* Philadelphia */
	{ "us-east-1-qro-1", "us-east-1", 20.59, -100.39 },  /* Queretaro */
	{ "us-east-1-scl-1", "us-east-1", -33.45, -70.67 },  /* Santiago */
	{ "us-west-2-anc-1", "us-west-2", 61.22, -149.90 },  /* Anchorage */
	{ "us-west-2-den-1", "us-west-2", 39.74, -104.99 },  /* Denver */
	{ "us-west-2-hnl-1", "us-west-2", 21.31, -157.86 },  /* Honolulu */
	{ "us-west-2-las-1", "us-west-2", 36.17, -115.14 },  /* Las Vegas */
	{ "us-west-2-lax-1", "us-west-2", 34.05, -118.24 },  /* Los Angeles */
	{ "us-west-2-pdx-1", "us-west-2", 45.52, -122.68 },  /* Portland */
	{ "us-west-2-phx-1", "us-west-2", 33.45, -112.07 },  /* Phoenix */
	{ "us-west-2-phx-2", "us-west-2", 33.45, -112.07 },
	{ "us-west-2-sea-1", "us-west-2", 47.61, -122.33 },  /* Seattle */
	{ "af-south-1-los-1", "af-south-1", 6.52, 3.38 },    /* Lagos */
	{ "ap-northeast-1-tpe-1", "ap-northeast-1", 25.03, 121.57 }, /* Taipei */
	{ "ap-south-1-ccu-1", "ap-south-1", 22.57, 88.36 },  /* Kolkata */
	{ "ap-south-1-del-1", "ap-south-1", 28.61, 77.21 },  /* Delhi */
	{ "ap-southeast-1-bkk-1", "ap-southeast-1", 13.76, 100.50 }, /* Bangkok */
	{ "ap-southeast-1-mnl-1", "ap-southeast-1", 14.60, 120.98 }, /* Manila */
	{ "ap-southeast-2-akl-1", "ap-southeast-2", -36.85, 174.76 }, /* Auckland */
	{ "ap-southeast-2-per-1", "ap-southeast-2", -31.95, 115.86 }, /* Perth */
	{ "eu-central-1-ham-1", "eu-central-1", 53.55, 9.99 },  /* Hamburg */
	{ "eu-central-1-waw-1", "eu-central-1", 52.23, 21.01 }, /* Warsaw */
	{ "eu-north-1-cph-1", "eu-north-1", 55.68, 12.57 },  /* Copenhagen */
	{ "eu-north-1-hel-1", "eu-north-1", 60.17, 24.94 },  /* Helsinki */
	{ "me-south-1-mct-1", "me-south-1", 23.59, 58.41 },  /* Muscat */
};
const uint32_t dnsp_nlocal_zone_groups =
	sizeof(dnsp_local_zone_groups) / sizeof(dnsp_local_zone_groups[0]);

int dnsp_region_index(const char *code)
{
	if (!code)
		return -1;
	for (uint32_t i = 0; i < dnsp_nregions; i++)
		if (strcmp(dnsp_regions[i].code, code) == 0)
			return (int)i;
	return -1;
}

int dnsp_local_zone_group_coords(const char *code, double *lat, double *lon)
{
	if (!code)
		return -ENOENT;
	for (uint32_t i = 0; i < dnsp_nlocal_zone_groups; i++) {
		if (strcmp(dnsp_local_zone_groups[i].code, code) != 0)
			continue;
		if (lat)
			*lat = dnsp_local_zone_groups[i].lat;
		if (lon)
			*lon = dnsp_local_zone_groups[i].lon;
		return 0;
	}
	return -ENOENT;
}

/* Haversine: numerically stable for short distances (unlike the spherical
 * law of cosines), and the 0.3 % error of the sphere against the WGS-84
 * ellipsoid is far below what separates two Regions. */
double dnsp_geo_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double s1 = sin(dlat / 2), s2 = sin(dlon / 2);
	double a = s1 * s1 + cos(lat1 * rad) * cos(lat2 * rad) * s2 * s2;

	if (a > 1.0) /* rounding near antipodes */
		a = 1.0;
	return 2.0 * DNSP_EARTH_RADIUS_KM * asin(sqrt(a));
}

/*
 * Route 53's continent membership (DG resource-record-sets-values-geo),
 * copied exactly: one string of concatenated two-letter codes per continent.
 */
static const struct {
	const char *continent;
	const char *countries;
} continent_lists[] = {
	{ "AF", "AOBFBIBJBWCDCFCGCICMCVDJDZEGERETGAGHGMGNGQGWKEKMLRLSLYMAMGMLMRMUMWMZNANENG"
		"RERWSCSDSHSLSNSOSSSTSZTDTGTNTZUGYTZAZMZW" },
	{ "AN", "AQGSTF" },
	{ "AS", "AEAFAMAZBDBHBNBTCCCNGEHKIDILINIOIQIRJOJPKGKHKPKRKWKZLALBLKMMMNMOMVMYNPOMPH"
		"PKPSQASASGSYTHTJTMTRTWUZVNYE" },
	{ "EU", "ADALATAXBABEBGBYCHCYCZDEDKEEESFIFOFRGBGGGIGRHRHUIEIMISITJELILTLULVMCMDME"
		"MKMTNLNOPLPTRORSRUSESISJSKSMUAVAXK" },
	{ "NA", "AGAIAWBBBLBMBQBSBZCACRCUCWDMDOGDGLGPGTHNHTJMKNKYLCMFMQMSMXNIPAPMPRSVSXTCTT"
		"USVCVGVI" },
	{ "OC", "ASAUCKFJFMGUKIMHMPNCNFNRNUNZPFPGPNPWSBTKTLTOTVUMVUWFWS" },
	{ "SA", "ARBOBRCLCOECFKGFGYPEPYSRUYVE" },
};

const char *dnsp_country_continent(const char *country)
{
	if (!country || strlen(country) != 2)
		return NULL;
	for (size_t c = 0; c < sizeof(continent_lists) / sizeof(continent_lists[0]); c++) {
		const char *p = continent_lists[c].countries;

		for (; p[0] && p[1]; p += 2)
			if (p[0] == country[0] && p[1] == country[1])
				return continent_lists[c].continent;
	}
	return NULL;
}
