//! Field helpers shared by the formats: splitting, text fields, numbers.

#![forbid(unsafe_code)]

use super::report::LineFault;

/// The `:`-separated fields of a line. Rejects NUL anywhere in the line.
pub(crate) fn split(line: &[u8]) -> Result<Vec<&[u8]>, LineFault> {
    if line.contains(&0) {
        return Err(LineFault::Nul);
    }
    Ok(line.split(|&c| c == b':').collect())
}

/// Checks the field count: `min..=max`.
pub(crate) fn expect_fields(
    fields: &[&[u8]],
    min: usize,
    max: usize,
    expected: &'static str,
) -> Result<(), LineFault> {
    if (min..=max).contains(&fields.len()) {
        Ok(())
    } else {
        Err(LineFault::FieldCount {
            expected,
            found: fields.len(),
        })
    }
}

/// A field the importer uses as text: UTF-8 without control characters.
pub(crate) fn text<'a>(field: &'a [u8], name: &'static str) -> Result<&'a str, LineFault> {
    let s = core::str::from_utf8(field).map_err(|_| LineFault::NotUtf8 { field: name })?;
    if s.chars().any(char::is_control) {
        return Err(LineFault::ControlCharacter { field: name });
    }
    Ok(s)
}

/// The user name field: non-empty text.
pub(crate) fn username(field: &[u8]) -> Result<&str, LineFault> {
    let name = text(field, "user name")?;
    if name.is_empty() {
        return Err(LineFault::EmptyUsername);
    }
    Ok(name)
}

/// A decimal number of ASCII digits (no sign, no spaces) at most `max`.
pub(crate) fn number(field: &[u8], name: &'static str, max: u64) -> Result<u64, LineFault> {
    if field.is_empty() || !field.iter().all(u8::is_ascii_digit) {
        return Err(LineFault::InvalidNumber { field: name });
    }
    let mut value: u64 = 0;
    for &c in field {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
            .ok_or(LineFault::OutOfRange { field: name })?;
    }
    if value > max {
        return Err(LineFault::OutOfRange { field: name });
    }
    Ok(value)
}

/// Like [`number`], but an empty field is `None`.
pub(crate) fn optional_number(
    field: &[u8],
    name: &'static str,
    max: u64,
) -> Result<Option<u64>, LineFault> {
    if field.is_empty() {
        Ok(None)
    } else {
        number(field, name, max).map(Some)
    }
}

/// The largest uid or gid SFTPGo stores (its OpenAPI schema: int32, minimum 0).
pub(crate) const MAX_ID: u64 = i32::MAX as u64;

/// A uid or gid field.
pub(crate) fn id(field: &[u8], name: &'static str) -> Result<u32, LineFault> {
    number(field, name, MAX_ID).map(|v| v as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_strict() {
        assert_eq!(number(b"0", "f", 10), Ok(0));
        assert_eq!(number(b"0010", "f", 10), Ok(10));
        for bad in [&b""[..], b"-1", b"+1", b" 1", b"1 ", b"0x1", b"\xff"] {
            assert_eq!(
                number(bad, "f", 10),
                Err(LineFault::InvalidNumber { field: "f" })
            );
        }
        assert_eq!(
            number(b"11", "f", 10),
            Err(LineFault::OutOfRange { field: "f" })
        );
        assert_eq!(
            number(b"99999999999999999999999", "f", u64::MAX),
            Err(LineFault::OutOfRange { field: "f" })
        );
        assert_eq!(id(b"2147483647", "uid"), Ok(2_147_483_647));
        assert_eq!(
            id(b"2147483648", "uid"),
            Err(LineFault::OutOfRange { field: "uid" })
        );
    }

    #[test]
    fn text_fields() {
        assert_eq!(username(b""), Err(LineFault::EmptyUsername));
        assert_eq!(
            username(b"a\xffb"),
            Err(LineFault::NotUtf8 { field: "user name" })
        );
        assert_eq!(
            username(b"a\tb"),
            Err(LineFault::ControlCharacter { field: "user name" })
        );
        assert_eq!(split(b"a:\0:b"), Err(LineFault::Nul));
    }
}
