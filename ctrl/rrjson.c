/* placeholder until the module lands */
typedef int dnsp_placeholder_t;
