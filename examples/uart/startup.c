/* Start-up code for examples/uart_server.c on a Cortex-M (QEMU mps2-an386):
 * the vector table, the reset handler (copies .data, zeroes .bss, paints the
 * stack to measure its high-water mark), a fault handler, and ARM
 * semihosting calls for the console, the host clock and exit. Link with
 * examples/uart/mps2-an386.ld and -nostartfiles. */
#include <stddef.h>
#include <stdint.h>
#include "startup.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _sstack[], _estack[];
int main(void);
void bm_reset(void);
void bm_fault(void);

#define BM_STACK_PAINT 0x5afe57acu

/* Initial stack pointer, then the handlers. A real board adds its IRQs. */
__attribute__((section(".vectors"), used))
const uintptr_t bm_vectors[16] = {
    (uintptr_t)_estack, (uintptr_t)bm_reset,
    (uintptr_t)bm_fault, (uintptr_t)bm_fault,   /* NMI, HardFault */
    (uintptr_t)bm_fault, (uintptr_t)bm_fault,   /* MemManage, BusFault */
    (uintptr_t)bm_fault, 0, 0, 0, 0,            /* UsageFault, reserved */
    (uintptr_t)bm_fault, (uintptr_t)bm_fault,   /* SVCall, DebugMonitor */
    0, (uintptr_t)bm_fault, (uintptr_t)bm_fault /* reserved, PendSV, SysTick */
};

/* One semihosting call: operation in r0, its argument block in r1. */
long bm_semihost(long op, const void *arg)
{
    register long r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* ":tt" is the host console: mode 0 ("r") stdin, 4 ("w") stdout, 8 ("a") stderr. */
long bm_console_open(int mode)
{
    uintptr_t a[3];
    a[0] = (uintptr_t)":tt"; a[1] = (uintptr_t)mode; a[2] = 3;
    return bm_semihost(0x01, a);   /* SYS_OPEN */
}

/* Bytes read, 0 at end of input, -1 on error. */
long bm_read(long fd, void *buf, size_t cap)
{
    uintptr_t a[3];
    long left;
    a[0] = (uintptr_t)fd; a[1] = (uintptr_t)buf; a[2] = cap;
    left = bm_semihost(0x06, a);   /* SYS_READ: returns the bytes NOT read */
    if (left < 0 || (size_t)left > cap) return -1;
    return (long)(cap - (size_t)left);
}

long bm_write(long fd, const void *buf, size_t len)
{
    uintptr_t a[3];
    a[0] = (uintptr_t)fd; a[1] = (uintptr_t)buf; a[2] = len;
    return bm_semihost(0x05, a) == 0 ? (long)len : -1;   /* SYS_WRITE */
}

int64_t bm_host_time(void) { return bm_semihost(0x11, NULL); }                   /* SYS_TIME, seconds */
int64_t bm_host_ms(void) { return (int64_t)bm_semihost(0x10, NULL) * 10; }       /* SYS_CLOCK, 1/100 s */

void bm_exit(int code)
{
    uintptr_t a[2];
    a[0] = 0x20026;                /* ADP_Stopped_ApplicationExit */
    a[1] = (uintptr_t)code;
    for (;;) (void)bm_semihost(0x20, a);   /* SYS_EXIT_EXTENDED */
}

/* Bytes of the stack that were ever used: the painted words left intact
 * from the bottom up mark what was not. */
size_t bm_stack_used(void)
{
    const uint32_t *p = _sstack;
    while (p < _estack && *p == BM_STACK_PAINT) p++;
    return (size_t)((const char *)_estack - (const char *)p);
}

size_t bm_stack_size(void) { return (size_t)((const char *)_estack - (const char *)_sstack); }

void bm_reset(void)
{
    uint32_t *p, *s, *d, *sp;
    for (s = _sidata, d = _sdata; d < _edata;) *d++ = *s++;
    for (d = _sbss; d < _ebss;) *d++ = 0;
    /* paint the stack below this frame (with a margin for it) */
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (p = _sstack; p < sp - 16; p++) *p = BM_STACK_PAINT;
    bm_exit(main());
}

void bm_fault(void)
{
    static const char msg[] = "uart_server: fault\n";
    bm_write(bm_console_open(8), msg, sizeof msg - 1);
    bm_exit(70);
}
