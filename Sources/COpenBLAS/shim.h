/* OpenBLAS's CBLAS interface (Debian: libopenblas-dev puts cblas.h on the multiarch include path). */
#include <cblas.h>
