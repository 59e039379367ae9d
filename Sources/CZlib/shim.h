/* zlib: raw deflate for npz members and MAT v5 compressed elements, crc32 for zip entries. */
#include <zlib.h>
