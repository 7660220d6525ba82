//! The text encodings of stored hashes: the two crypt base64 flavours, standard base64 as Go
//! decodes it, and strict decimal numbers.

#![forbid(unsafe_code)]

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::ParseErrorKind;

/// The crypt(3) alphabet, used by md5crypt and sha-crypt (values 0..63 in this order).
pub(crate) const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The bcrypt alphabet: the same characters in another order.
pub(crate) const BCRYPT_ALPHABET: &[u8; 64] =
    b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Reverse look-up: byte → 6-bit value, or `0xff` outside the alphabet.
const fn reverse(alphabet: &[u8; 64]) -> [u8; 256] {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}

const CRYPT_REVERSE: [u8; 256] = reverse(CRYPT_ALPHABET);
const BCRYPT_REVERSE: [u8; 256] = reverse(BCRYPT_ALPHABET);

/// Characters needed to encode `n` bytes without padding.
pub(crate) const fn encoded_len(n: usize) -> usize {
    (n * 8).div_ceil(6)
}

fn sextets<const N: usize>(text: &[u8], table: &[u8; 256]) -> Result<[u8; N], ParseErrorKind> {
    let mut out = [0u8; N];
    if text.len() != N {
        return Err(ParseErrorKind::InvalidLength);
    }
    for (o, &c) in out.iter_mut().zip(text) {
        let v = table[usize::from(c)];
        if v == 0xff {
            return Err(ParseErrorKind::InvalidCharacter);
        }
        *o = v;
    }
    Ok(out)
}

/// Decodes crypt(3)-style base64: each group of three bytes `(a, b, c)` forms the 24-bit
/// word `a << 16 | b << 8 | c`, written least significant sextet first. A short last group of
/// `k` bytes forms a `8k`-bit word the same way. The bytes come out in the order the scheme
/// packed them (its transposition is the caller's business).
///
/// `C` must equal `encoded_len(N)`; the unused high bits of the last character must be zero.
pub(crate) fn crypt_decode<const N: usize, const C: usize>(
    text: &[u8],
) -> Result<[u8; N], ParseErrorKind> {
    debug_assert_eq!(C, encoded_len(N));
    let s = sextets::<C>(text, &CRYPT_REVERSE)?;
    let mut out = [0u8; N];
    for (group, chars) in out.chunks_mut(3).zip(s.chunks(4)) {
        let mut word: u32 = 0;
        for (i, &v) in chars.iter().enumerate() {
            word |= u32::from(v) << (6 * i);
        }
        let bits = 8 * group.len();
        if word >> bits != 0 {
            return Err(ParseErrorKind::NonCanonical);
        }
        let n = group.len();
        for (i, b) in group.iter_mut().enumerate() {
            *b = (word >> (8 * (n - 1 - i))) as u8;
        }
    }
    Ok(out)
}

/// Encodes bytes in crypt(3)-style base64, the inverse of [`crypt_decode`].
pub(crate) fn crypt_encode(bytes: &[u8], out: &mut impl core::fmt::Write) -> core::fmt::Result {
    for group in bytes.chunks(3) {
        let word = group.iter().fold(0u32, |w, &b| (w << 8) | u32::from(b));
        for i in 0..encoded_len(group.len()) {
            out.write_char(char::from(
                CRYPT_ALPHABET[((word >> (6 * i)) & 0x3f) as usize],
            ))?;
        }
    }
    Ok(())
}

/// Decodes yescrypt's base64 (`encode64` in libxcrypt's `alg-yescrypt-common.c`): groups of
/// up to three bytes form a little-endian word, written least significant sextet first. A
/// last group of two or three characters carries one or two bytes and its unused high bits
/// must be zero ([`ParseErrorKind::NonCanonical`]); a lone last character holds no whole byte
/// ([`ParseErrorKind::InvalidLength`]), as libxcrypt's `decode64` rules.
pub(crate) fn yescrypt_decode(text: &[u8], out: &mut Vec<u8>) -> Result<(), ParseErrorKind> {
    for chars in text.chunks(4) {
        let mut word: u32 = 0;
        for (i, &c) in chars.iter().enumerate() {
            match CRYPT_REVERSE[usize::from(c)] {
                0xff => return Err(ParseErrorKind::InvalidCharacter),
                v => word |= u32::from(v) << (6 * i),
            }
        }
        let bytes = match chars.len() {
            1 => return Err(ParseErrorKind::InvalidLength),
            n => n - 1,
        };
        if word >> (8 * bytes) != 0 {
            return Err(ParseErrorKind::NonCanonical);
        }
        out.extend(word.to_le_bytes().into_iter().take(bytes));
    }
    Ok(())
}

/// Encodes bytes in yescrypt's base64, the inverse of [`yescrypt_decode`].
pub(crate) fn yescrypt_encode(bytes: &[u8], out: &mut impl core::fmt::Write) -> core::fmt::Result {
    for group in bytes.chunks(3) {
        let word = group
            .iter()
            .rev()
            .fold(0u32, |w, &b| (w << 8) | u32::from(b));
        for i in 0..encoded_len(group.len()) {
            out.write_char(char::from(
                CRYPT_ALPHABET[((word >> (6 * i)) & 0x3f) as usize],
            ))?;
        }
    }
    Ok(())
}

/// Decodes big-endian base64 (a plain bit stream in 6-bit characters, no padding) in the
/// alphabet whose reverse table is `table`. The unused low bits of the last character must be
/// zero.
fn big_endian_decode<const N: usize, const C: usize>(
    text: &[u8],
    table: &[u8; 256],
) -> Result<[u8; N], ParseErrorKind> {
    debug_assert_eq!(C, encoded_len(N));
    let s = sextets::<C>(text, table)?;
    let mut out = [0u8; N];
    let mut acc: u32 = 0;
    let mut nbits = 0;
    let mut o = 0;
    for &v in &s {
        acc = (acc << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out[o] = (acc >> nbits) as u8;
            o += 1;
            acc &= (1 << nbits) - 1;
        }
    }
    if acc != 0 {
        return Err(ParseErrorKind::NonCanonical);
    }
    Ok(out)
}

/// Encodes bytes in big-endian base64 over `alphabet`, the inverse of [`big_endian_decode`].
fn big_endian_encode(
    bytes: &[u8],
    alphabet: &[u8; 64],
    out: &mut impl core::fmt::Write,
) -> core::fmt::Result {
    let mut acc: u32 = 0;
    let mut nbits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        nbits += 8;
        while nbits >= 6 {
            nbits -= 6;
            out.write_char(char::from(alphabet[((acc >> nbits) & 0x3f) as usize]))?;
        }
        acc &= (1 << nbits) - 1;
    }
    if nbits > 0 {
        out.write_char(char::from(alphabet[((acc << (6 - nbits)) & 0x3f) as usize]))?;
    }
    Ok(())
}

/// Decodes bcrypt base64 (big-endian bit order, no padding). The unused low bits of the last
/// character must be zero.
pub(crate) fn bcrypt_decode<const N: usize, const C: usize>(
    text: &[u8],
) -> Result<[u8; N], ParseErrorKind> {
    big_endian_decode::<N, C>(text, &BCRYPT_REVERSE)
}

/// Encodes bytes in bcrypt base64, the inverse of [`bcrypt_decode`].
pub(crate) fn bcrypt_encode(bytes: &[u8], out: &mut impl core::fmt::Write) -> core::fmt::Result {
    big_endian_encode(bytes, BCRYPT_ALPHABET, out)
}

/// Decodes DES crypt's digest encoding: the crypt(3) alphabet in bcrypt's big-endian bit
/// order. The unused low bits of the last character must be zero.
pub(crate) fn crypt_big_endian_decode<const N: usize, const C: usize>(
    text: &[u8],
) -> Result<[u8; N], ParseErrorKind> {
    big_endian_decode::<N, C>(text, &CRYPT_REVERSE)
}

/// Encodes bytes as DES crypt writes its digest, the inverse of [`crypt_big_endian_decode`].
pub(crate) fn crypt_big_endian_encode(
    bytes: &[u8],
    out: &mut impl core::fmt::Write,
) -> core::fmt::Result {
    big_endian_encode(bytes, CRYPT_ALPHABET, out)
}

/// The 6-bit value of a crypt(3) alphabet character, or `None` outside the alphabet.
pub(crate) fn crypt64_value(c: u8) -> Option<u8> {
    Some(CRYPT_REVERSE[usize::from(c)]).filter(|&v| v != 0xff)
}

/// Standard base64 as Go's `base64.StdEncoding` decodes it: padding required, non-zero
/// trailing bits tolerated.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// Bytes decoded from standard base64 that may carry non-zero trailing bits. Keeps the last
/// data character as written so that `Display` reproduces the input exactly.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct LenientBase64 {
    bytes: Box<[u8]>,
    last: u8,
}

impl LenientBase64 {
    /// Decodes `text`. Characters outside `A-Za-z0-9+/=` are [`ParseErrorKind::InvalidCharacter`];
    /// a bad length or misplaced padding is [`ParseErrorKind::InvalidBase64`].
    pub(crate) fn decode(text: &[u8]) -> Result<Self, ParseErrorKind> {
        if !text
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        {
            return Err(ParseErrorKind::InvalidCharacter);
        }
        let bytes = GO_STD
            .decode(text)
            .map_err(|_| ParseErrorKind::InvalidBase64)?;
        let last = text
            .iter()
            .rev()
            .copied()
            .find(|&c| c != b'=')
            .unwrap_or(b'=');
        Ok(Self {
            bytes: bytes.into_boxed_slice(),
            last,
        })
    }

    /// Builds canonical base64 of freshly generated bytes.
    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Self {
        let text = GO_STD.encode(&bytes);
        let last = text.bytes().rev().find(|&c| c != b'=').unwrap_or(b'=');
        Self {
            bytes: bytes.into_boxed_slice(),
            last,
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl core::fmt::Display for LenientBase64 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut text = GO_STD.encode(&self.bytes).into_bytes();
        if let Some(pos) = text.iter().rposition(|&c| c != b'=') {
            text[pos] = self.last;
        }
        // Only ASCII was written above, so this cannot fail.
        f.write_str(core::str::from_utf8(&text).map_err(|_| core::fmt::Error)?)
    }
}

/// Standard base64 without padding, strict: the unused low bits of the last character must be
/// zero. PHC strings (Argon2) use it as is; passlib's "adapted base64" with `.` for `+`.
const STD_NO_PAD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

fn std_no_pad_error(e: base64::DecodeError) -> ParseErrorKind {
    match e {
        base64::DecodeError::InvalidLastSymbol { .. } => ParseErrorKind::NonCanonical,
        _ => ParseErrorKind::InvalidBase64,
    }
}

/// Decodes unpadded standard base64 (PHC strings). Characters outside `A-Za-z0-9+/` are
/// [`ParseErrorKind::InvalidCharacter`]; non-zero unused bits are
/// [`ParseErrorKind::NonCanonical`]; a bad length is [`ParseErrorKind::InvalidBase64`].
pub(crate) fn std_no_pad_decode(text: &[u8]) -> Result<Vec<u8>, ParseErrorKind> {
    if !text
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
    {
        return Err(ParseErrorKind::InvalidCharacter);
    }
    STD_NO_PAD.decode(text).map_err(std_no_pad_error)
}

/// Encodes bytes in unpadded standard base64, the inverse of [`std_no_pad_decode`].
pub(crate) fn std_no_pad_encode(bytes: &[u8]) -> String {
    STD_NO_PAD.encode(bytes)
}

/// Decodes passlib's "adapted base64" (`ab64`: the standard alphabet with `.` in place of `+`,
/// no padding) into `out`, returning the decoded length. Strict: the unused low bits of the
/// last character must be zero (passlib decodes leniently, but never writes such a string).
/// Characters
/// outside `A-Za-z0-9./` are [`ParseErrorKind::InvalidCharacter`]; a length of 1 mod 4 is
/// [`ParseErrorKind::InvalidBase64`]; non-zero unused bits are [`ParseErrorKind::NonCanonical`];
/// more bytes than `out` holds is [`ParseErrorKind::InvalidLength`].
pub(crate) fn ab64_decode(text: &[u8], out: &mut [u8]) -> Result<usize, ParseErrorKind> {
    if !text
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'/'))
    {
        return Err(ParseErrorKind::InvalidCharacter);
    }
    if text.len() % 4 == 1 {
        return Err(ParseErrorKind::InvalidBase64);
    }
    if text.len() * 3 / 4 > out.len() {
        return Err(ParseErrorKind::InvalidLength);
    }
    let standard: Vec<u8> = text
        .iter()
        .map(|&c| if c == b'.' { b'+' } else { c })
        .collect();
    STD_NO_PAD
        .decode_slice(&standard, out)
        .map_err(|e| match e {
            base64::DecodeSliceError::DecodeError(e) => std_no_pad_error(e),
            base64::DecodeSliceError::OutputSliceTooSmall => ParseErrorKind::InvalidLength,
        })
}

/// Encodes bytes in passlib's adapted base64, the inverse of [`ab64_decode`].
pub(crate) fn ab64_encode(bytes: &[u8], out: &mut impl core::fmt::Write) -> core::fmt::Result {
    STD_NO_PAD
        .encode(bytes)
        .chars()
        .try_for_each(|c| out.write_char(if c == '+' { '.' } else { c }))
}

/// Why a decimal field was refused; the caller maps `Overflow` to its field's range error.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NumberError {
    Invalid,
    NonCanonical,
    Overflow,
}

impl NumberError {
    pub(crate) fn into_kind(self, out_of_range: ParseErrorKind) -> ParseErrorKind {
        match self {
            Self::Invalid => ParseErrorKind::InvalidNumber,
            Self::NonCanonical => ParseErrorKind::NonCanonicalNumber,
            Self::Overflow => out_of_range,
        }
    }
}

/// Parses a canonical decimal: digits only, no sign, no leading zero (but `0` itself).
/// A leading `+` is reported as non-canonical, since some parsers accept it.
pub(crate) fn parse_decimal(text: &[u8]) -> Result<u32, NumberError> {
    let digits = match text {
        [] => return Err(NumberError::Invalid),
        [b'+', rest @ ..] if !rest.is_empty() && rest.iter().all(u8::is_ascii_digit) => {
            return Err(NumberError::NonCanonical);
        }
        t if !t.iter().all(u8::is_ascii_digit) => return Err(NumberError::Invalid),
        [b'0', _, ..] => return Err(NumberError::NonCanonical),
        t => t,
    };
    digits.iter().try_fold(0u32, |n, &d| {
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u32::from(d - b'0')))
            .ok_or(NumberError::Overflow)
    })
}

/// Bytes a crypt-family salt may hold: printable ASCII except `$ : ; * ! \` and space.
pub(crate) const fn is_crypt_salt_byte(c: u8) -> bool {
    c.is_ascii_graphic() && !matches!(c, b'$' | b':' | b';' | b'*' | b'!' | b'\\')
}

/// A crypt-family salt (md5crypt, SHA-crypt) of at most `N` bytes, stored inline.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CryptSalt<const N: usize> {
    bytes: [u8; N],
    len: u8,
}

impl<const N: usize> CryptSalt<N> {
    /// Checks a salt field: at most `N` characters ([`ParseErrorKind::InvalidLength`]), each a
    /// crypt salt byte ([`ParseErrorKind::InvalidCharacter`]).
    pub(crate) fn parse(field: &[u8]) -> Result<Self, ParseErrorKind> {
        if field.len() > N {
            return Err(ParseErrorKind::InvalidLength);
        }
        if !field.iter().all(|&c| is_crypt_salt_byte(c)) {
            return Err(ParseErrorKind::InvalidCharacter);
        }
        let mut bytes = [0; N];
        bytes[..field.len()].copy_from_slice(field);
        Ok(Self {
            bytes,
            len: field.len() as u8,
        })
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl<const N: usize> core::fmt::Display for CryptSalt<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Only crypt salt bytes (printable ASCII) get in, through `parse`.
        self.as_bytes()
            .iter()
            .try_for_each(|&c| core::fmt::Write::write_char(f, char::from(c)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn decimal_is_strict() {
        assert_eq!(parse_decimal(b"0"), Ok(0));
        assert_eq!(parse_decimal(b"5000"), Ok(5000));
        assert_eq!(parse_decimal(b"4294967295"), Ok(u32::MAX));
        assert_eq!(parse_decimal(b"4294967296"), Err(NumberError::Overflow));
        assert_eq!(
            parse_decimal(b"99999999999999999999999999"),
            Err(NumberError::Overflow)
        );
        assert_eq!(parse_decimal(b"05000"), Err(NumberError::NonCanonical));
        assert_eq!(parse_decimal(b"00"), Err(NumberError::NonCanonical));
        assert_eq!(parse_decimal(b"+5000"), Err(NumberError::NonCanonical));
        assert_eq!(parse_decimal(b"+"), Err(NumberError::Invalid));
        assert_eq!(parse_decimal(b"-5"), Err(NumberError::Invalid));
        assert_eq!(parse_decimal(b""), Err(NumberError::Invalid));
        assert_eq!(parse_decimal(b"1e3"), Err(NumberError::Invalid));
        assert_eq!(parse_decimal(b" 1"), Err(NumberError::Invalid));
    }

    #[test]
    fn crypt_base64_round_trips_and_rejects_high_bits() {
        let bytes: [u8; 16] = core::array::from_fn(|i| (i * 37 + 11) as u8);
        let mut text = String::new();
        crypt_encode(&bytes, &mut text).unwrap();
        assert_eq!(text.len(), 22);
        assert_eq!(crypt_decode::<16, 22>(text.as_bytes()).unwrap(), bytes);
        // The 22nd character carries 2 bits: values 4.. set unused bits.
        let mut bad = text.into_bytes();
        bad[21] = b'2';
        assert_eq!(
            crypt_decode::<16, 22>(&bad),
            Err(ParseErrorKind::NonCanonical)
        );
        bad[21] = b'-';
        assert_eq!(
            crypt_decode::<16, 22>(&bad),
            Err(ParseErrorKind::InvalidCharacter)
        );
    }

    #[test]
    fn bcrypt_base64_round_trips_and_rejects_low_bits() {
        let bytes: [u8; 23] = core::array::from_fn(|i| (i * 91 + 3) as u8);
        let mut text = String::new();
        bcrypt_encode(&bytes, &mut text).unwrap();
        assert_eq!(text.len(), 31);
        assert_eq!(bcrypt_decode::<23, 31>(text.as_bytes()).unwrap(), bytes);
        let mut bad = text.into_bytes();
        bad[30] = if bad[30] == b'/' { b'0' } else { b'/' };
        assert_eq!(
            bcrypt_decode::<23, 31>(&bad),
            Err(ParseErrorKind::NonCanonical)
        );
    }

    #[test]
    fn crypt_big_endian_matches_des_crypt() {
        // libxcrypt: crypt("password", "ab") = "abJnggxhB/yWI"; these are its last 11 chars.
        let digest = crypt_big_endian_decode::<8, 11>(b"JnggxhB/yWI").unwrap();
        let mut text = String::new();
        crypt_big_endian_encode(&digest, &mut text).unwrap();
        assert_eq!(text, "JnggxhB/yWI");
        // The 11th character carries 4 bits: "I" (20) + 1, 2 or 3 sets the unused ones.
        for last in [b'J', b'K', b'L'] {
            let mut bad = *b"JnggxhB/yWI";
            bad[10] = last;
            assert_eq!(
                crypt_big_endian_decode::<8, 11>(&bad),
                Err(ParseErrorKind::NonCanonical)
            );
        }
        assert!(crypt_big_endian_decode::<8, 11>(b"JnggxhB/yWM").is_ok());
        assert_eq!(crypt64_value(b'.'), Some(0));
        assert_eq!(crypt64_value(b'z'), Some(63));
        assert_eq!(crypt64_value(b'-'), None);
        assert_eq!(crypt64_value(0xff), None);
    }

    #[test]
    fn ab64_is_strict_and_round_trips() {
        let mut out = [0u8; 64];
        // passlib: ab64 of b"a" is "YQ"; "YR" carries non-zero unused bits.
        assert_eq!(ab64_decode(b"YQ", &mut out), Ok(1));
        assert_eq!(out[0], b'a');
        assert_eq!(
            ab64_decode(b"YR", &mut out),
            Err(ParseErrorKind::NonCanonical)
        );
        assert_eq!(
            ab64_decode(b"Y", &mut out),
            Err(ParseErrorKind::InvalidBase64)
        );
        assert_eq!(
            ab64_decode(b"YQ==", &mut out),
            Err(ParseErrorKind::InvalidCharacter)
        );
        assert_eq!(
            ab64_decode(b"+/", &mut out),
            Err(ParseErrorKind::InvalidCharacter)
        );
        assert_eq!(ab64_decode(b"", &mut out), Ok(0));
        assert_eq!(
            ab64_decode(b"AAAAAA", &mut out[..3]),
            Err(ParseErrorKind::InvalidLength)
        );
        let bytes = [0xfbu8, 0xef, 0xbe, 0x3e];
        let mut text = String::new();
        ab64_encode(&bytes, &mut text).unwrap();
        assert_eq!(text, "....Pg");
        assert_eq!(ab64_decode(text.as_bytes(), &mut out), Ok(4));
        assert_eq!(out[..4], bytes);
    }

    #[test]
    fn lenient_base64_keeps_trailing_bits() {
        // "AB==" and "AA==" decode to the same byte; both must display as written.
        for text in ["AB==", "AA==", "AAB=", "AAAA"] {
            let d = LenientBase64::decode(text.as_bytes()).unwrap();
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(
            LenientBase64::decode(b"AA").map(|_| ()),
            Err(ParseErrorKind::InvalidBase64)
        );
        assert_eq!(
            LenientBase64::decode(b"A=AA").map(|_| ()),
            Err(ParseErrorKind::InvalidBase64)
        );
        assert_eq!(
            LenientBase64::decode(b"AA-_").map(|_| ()),
            Err(ParseErrorKind::InvalidCharacter)
        );
    }
}
