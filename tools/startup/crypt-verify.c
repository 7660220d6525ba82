/* The C baseline for passgate's start-up: verify the password on standard input against a
 * stored hash with libxcrypt's crypt(), as `passgate verify STORED` does. Exit 0 match,
 * 1 mismatch, 2 error. Build: cc -O2 -o crypt-verify crypt-verify.c -lcrypt */
#include <crypt.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    char pw[1027];
    size_t n;
    const char *h;

    if (argc != 2)
        return 2;
    n = fread(pw, 1, sizeof pw - 1, stdin);
    if (n > 0 && pw[n - 1] == '\n')
        n -= (n > 1 && pw[n - 2] == '\r') ? 2 : 1;
    pw[n] = '\0';
    h = crypt(pw, argv[1]);
    if (h == NULL || h[0] == '*')
        return 2;
    if (strcmp(h, argv[1]) != 0) {
        puts("mismatch");
        return 1;
    }
    puts("match");
    return 0;
}
