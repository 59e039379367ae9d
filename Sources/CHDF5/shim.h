/* libhdf5's C API (Debian libhdf5-dev, serial build): reading Keras .h5 model files. */
#include <hdf5.h>

/* libhdf5's predefined types are macros over globals initialized by H5open(); these read them safely. */
static inline hid_t lrp_hdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t lrp_hdf5_c_string(void) { return H5T_C_S1; }
