/* libhdf5's C API (Debian libhdf5-dev, serial build): reading Keras .h5 model files. */
#include <hdf5.h>

/* libhdf5's predefined types are macros over globals initialized by H5open(); these read them safely. */
static inline hid_t lrp_hdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t lrp_hdf5_c_string(void) { return H5T_C_S1; }

/* For the helper process lrp-hdf5-reader, which is this module's only user: close every inherited descriptor
   above standard error before the untrusted file is opened (close_range(2); glibc's wrapper is not visible to
   Swift). Returns -1 where the kernel lacks it. */
#include <unistd.h>
#include <sys/syscall.h>
static inline int lrp_close_descriptors_from(int first) { return (int)syscall(SYS_close_range, (unsigned)first, ~0U, 0U); }
