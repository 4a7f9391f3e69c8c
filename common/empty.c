/* empty.c: placeholder translation unit for a module with no sources yet. */
typedef int berth_empty_unit;
