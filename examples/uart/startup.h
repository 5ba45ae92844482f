/* Board services of examples/uart/startup.c (semihosting on QEMU mps2-an386). */
#ifndef BM_STARTUP_H
#define BM_STARTUP_H
#include <stddef.h>
#include <stdint.h>
long bm_console_open(int mode);                    /* 0 stdin, 4 stdout, 8 stderr */
long bm_read(long fd, void *buf, size_t cap);      /* > 0 bytes, 0 end of input, < 0 error */
long bm_write(long fd, const void *buf, size_t len);
int64_t bm_host_time(void);                        /* seconds since 1970 (host clock) */
int64_t bm_host_ms(void);                          /* milliseconds since start */
void bm_exit(int code);
size_t bm_stack_used(void);                        /* high-water mark, bytes */
size_t bm_stack_size(void);
#endif
