/* GNU extensions of glibc that Swift's Glibc module does not show (it is built without _GNU_SOURCE). */
#ifndef LIBLRP_CSYSTEM_H
#define LIBLRP_CSYSTEM_H

/* The path of the binary (shared library or program) that contains `address`, as the dynamic loader
   recorded it; NULL when unknown. Static storage owned by the loader. */
const char *csystem_binary_containing(const void *address);

/* pipe2(fds, O_CLOEXEC): a pipe whose ends are closed in programs this process starts. 0 or -1 (errno). */
int csystem_pipe_cloexec(int fds[2]);

#endif
