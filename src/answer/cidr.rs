//! IP networks in CIDR notation (`192.0.2.0/24`, `2001:db8::/32`), parsed strictly: the
//! address as the standard library reads it, a canonical decimal prefix length, and no bits
//! set past the prefix. A bare address is the network of that one address.

#![forbid(unsafe_code)]

use core::fmt;
use core::str::FromStr;
use std::net::IpAddr;

/// An IPv4 or IPv6 network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a network was refused. Never holds the text it was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CidrError {
    /// The part before `/` is not an IPv4 or IPv6 address.
    #[error("not an IPv4 or IPv6 address")]
    NotAnAddress,
    /// The part after `/` is not a canonical decimal number (no sign, no leading zero).
    #[error("the prefix length is not a decimal number")]
    BadPrefix,
    /// The prefix length is over 32 (IPv4) or 128 (IPv6).
    #[error("the prefix length is over {0}")]
    PrefixTooLong(u8),
    /// Bits are set past the prefix length: the network meant is probably this one.
    #[error("bits are set past the prefix length (the network is {0})")]
    HostBitsSet(IpNet),
    /// An IPv4-mapped IPv6 network (`::ffff:0:0/96` and within): clients are matched by
    /// their IPv4 address, so it would never match.
    #[error("an IPv4-mapped IPv6 network: write it as IPv4")]
    Ipv4Mapped,
}

impl IpNet {
    /// The network's first address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in the network. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is
    /// matched as the IPv4 address it maps.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = mask32(self.prefix);
                u32::from(ip) & mask == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = mask128(self.prefix);
                u128::from(ip) & mask == u128::from(net)
            }
            _ => false,
        }
    }
}

/// `ip`, with an IPv4-mapped IPv6 address turned into the IPv4 address it maps.
pub(super) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

impl FromStr for IpNet {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, CidrError> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| CidrError::NotAnAddress)?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => {
                let canonical = !p.is_empty()
                    && p.len() <= 3
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && (p == "0" || !p.starts_with('0'));
                if !canonical {
                    return Err(CidrError::BadPrefix);
                }
                let n: u8 = p.parse().map_err(|_| CidrError::BadPrefix)?;
                if n > max {
                    return Err(CidrError::PrefixTooLong(max));
                }
                n
            }
        };
        let network = match addr {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask32(prefix)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask128(prefix)).into()),
        };
        if let IpAddr::V6(v6) = addr
            && prefix >= 96
            && v6.to_ipv4_mapped().is_some()
        {
            return Err(CidrError::Ipv4Mapped);
        }
        let net = Self {
            addr: network,
            prefix,
        };
        if network != addr {
            return Err(CidrError::HostBitsSet(net));
        }
        Ok(net)
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_strictly_and_round_trips() {
        for s in [
            "192.0.2.0/24",
            "0.0.0.0/0",
            "203.0.113.7/32",
            "2001:db8::/32",
            "::/0",
            "2001:db8::1/128",
            "fe80::/10",
        ] {
            assert_eq!(net(s).to_string(), s);
        }
        assert_eq!(net("192.0.2.1").to_string(), "192.0.2.1/32");
        assert_eq!(net("2001:db8::1").to_string(), "2001:db8::1/128");
        for (s, e) in [
            ("192.0.2.0/", CidrError::BadPrefix),
            ("192.0.2.0/024", CidrError::BadPrefix),
            ("192.0.2.0/+24", CidrError::BadPrefix),
            ("192.0.2.0/ 24", CidrError::BadPrefix),
            ("192.0.2.0/2a", CidrError::BadPrefix),
            ("192.0.2.0/1000", CidrError::BadPrefix),
            ("192.0.2.0/33", CidrError::PrefixTooLong(32)),
            ("2001:db8::/129", CidrError::PrefixTooLong(128)),
            ("192.0.2.0/24/8", CidrError::BadPrefix),
            ("192.0.2/24", CidrError::NotAnAddress),
            ("192.000.2.0/24", CidrError::NotAnAddress),
            (" 192.0.2.0/24", CidrError::NotAnAddress),
            ("example.com/24", CidrError::NotAnAddress),
            ("fe80::1%eth0/64", CidrError::NotAnAddress),
            ("[2001:db8::]/32", CidrError::NotAnAddress),
            ("", CidrError::NotAnAddress),
            ("::ffff:192.0.2.0/120", CidrError::Ipv4Mapped),
        ] {
            assert_eq!(s.parse::<IpNet>(), Err(e), "{s}");
        }
        assert_eq!(
            "192.0.2.1/24".parse::<IpNet>(),
            Err(CidrError::HostBitsSet(net("192.0.2.0/24")))
        );
        assert_eq!(
            "192.0.2.1/24".parse::<IpNet>().unwrap_err().to_string(),
            "bits are set past the prefix length (the network is 192.0.2.0/24)"
        );
    }

    #[test]
    fn contains() {
        let v4 = net("192.0.2.0/24");
        assert!(v4.contains(ip("192.0.2.0")) && v4.contains(ip("192.0.2.255")));
        assert!(!v4.contains(ip("192.0.3.0")) && !v4.contains(ip("192.0.1.255")));
        assert!(v4.contains(ip("::ffff:192.0.2.9")));
        assert!(!v4.contains(ip("2001:db8::1")));
        assert!(net("0.0.0.0/0").contains(ip("255.255.255.255")));
        assert!(!net("0.0.0.0/0").contains(ip("::1")));
        let v6 = net("2001:db8::/32");
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::")));
        assert!(!v6.contains(ip("192.0.2.1")));
        assert!(net("::/0").contains(ip("::1")));
        // A mapped client is matched as IPv4 only.
        assert!(!net("::/0").contains(ip("::ffff:192.0.2.1")));
        assert!(net("203.0.113.7").contains(ip("203.0.113.7")));
        assert!(!net("203.0.113.7").contains(ip("203.0.113.8")));
    }
}
