//! The password entropy SFTPGo's `password_validation` checks, as its validator
//! (`wagslane/go-password-validator` v0.3.0, `GetEntropy`) computes it: the sizes of the
//! character sets the password uses, summed (each character outside them counting one), and
//! the number of characters with each distinct one counted at most twice; the entropy is
//! `length × log2(base)` bits.

#![forbid(unsafe_code)]

/// `specialChars` of the validator: 32 characters, space included, backquote not.
const SPECIAL: &str = " !\"#$%&'()*+,-./:;<=>?@[\\]^_{|}~";

/// The entropy in bits SFTPGo's validator gives `password`.
pub fn sftpgo_entropy(password: &str) -> f64 {
    let mut counts: Vec<(char, u8)> = Vec::new();
    let (mut special, mut lower, mut upper, mut digit) = (false, false, false, false);
    let mut base = 0u32;
    for c in password.chars() {
        match counts.iter_mut().find(|(k, _)| *k == c) {
            Some((_, n)) => *n = (*n + 1).min(2),
            None => {
                counts.push((c, 1));
                if SPECIAL.contains(c) {
                    special = true;
                } else if c.is_ascii_lowercase() {
                    lower = true;
                } else if c.is_ascii_uppercase() {
                    upper = true;
                } else if c.is_ascii_digit() {
                    digit = true;
                } else {
                    base += 1;
                }
            }
        }
    }
    base += [(special, 32), (lower, 26), (upper, 26), (digit, 10)]
        .iter()
        .filter(|(used, _)| *used)
        .map(|(_, n)| n)
        .sum::<u32>();
    let length: u32 = counts.iter().map(|&(_, n)| u32::from(n)).sum();
    if base == 0 {
        return 0.0;
    }
    f64::from(length) * f64::from(base).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_the_validator_counts() {
        assert_eq!(SPECIAL.chars().count(), 32);
        assert_eq!(sftpgo_entropy(""), 0.0);
        // 26 letters; "aaaa" counts two characters.
        assert!((sftpgo_entropy("aaaa") - 2.0 * 26f64.log2()).abs() < 1e-9);
        // Lower + upper + digits + special = 94; 8 distinct characters.
        let e = sftpgo_entropy("aB3$xY9!");
        assert!((e - 8.0 * 94f64.log2()).abs() < 1e-9);
        // A character outside the sets adds one to the base: 26 + 1.
        assert!((sftpgo_entropy("abcé") - 4.0 * 27f64.log2()).abs() < 1e-9);
        // Backquote is outside the special set.
        assert!((sftpgo_entropy("`") - 0.0).abs() < 1e-9);
        assert!((sftpgo_entropy("`a") - 2.0 * 27f64.log2()).abs() < 1e-9);
    }
}
