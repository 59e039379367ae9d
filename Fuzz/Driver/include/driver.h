/* The fuzz binary's entry point (see driver.c). */
int lrp_fuzz_main(int argc, char **argv);
