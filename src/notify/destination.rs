//! Where webhooks may go. A subscriber names the URL, so without a check the service
//! would POST wherever a member pointed it: the cloud metadata address, a database on
//! the private network, a port on this machine (server-side request forgery). Only
//! addresses on the public internet are allowed, checked twice:
//!
//! - when a subscription is made ([`check_url_form`], [`check_url_addresses`]): the
//!   URL's form, an address literal, and every address its name resolves to now;
//! - when each delivery is sent: an address literal again ([`check_delivery_url`]), and
//!   names through [`GuardedResolver`], the webhook client's DNS resolver, which hands
//!   the HTTP client only permitted addresses. The client connects to exactly the
//!   addresses that were checked, so a name re-pointed after the check (DNS rebinding)
//!   cannot reach inside.
//!
//! The loopback switch (`LANTERN_WEBHOOK_ALLOW_LOOPBACK`, development and tests) also
//! permits this machine's loopback addresses, and plain http to them; nothing else.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::error::{AppError, AppResult};

/// Longest webhook URL accepted.
pub const MAX_URL_CHARS: usize = 2000;
/// How long a subscription-time DNS lookup may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether `ip` is an address on the public internet. Refused: "this network" and
/// unspecified, loopback, private (RFC 1918), carrier-grade NAT (100.64/10),
/// link-local, IETF protocol assignments, documentation and benchmarking ranges,
/// multicast, reserved and broadcast; in IPv6 everything outside global unicast
/// (2000::/3) — unspecified, loopback, IPv4-mapped and IPv4-compatible, unique local
/// (fc00::/7), link-local (fe80::/10), multicast — and within it the IETF block
/// (2001::/23, Teredo included) and documentation prefixes. IPv6 forms that embed an
/// IPv4 address for translation (NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the
/// embedded address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = a == 0 // "this network", 0.0.0.0
        || a == 10
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || a == 127
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation (TEST-NET-1)
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation (TEST-NET-2)
        || (a == 203 && b == 0 && c == 113) // documentation (TEST-NET-3)
        || a >= 224; // multicast, reserved, broadcast
    !special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(s[6], s[7])); // NAT64, well-known prefix
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded(s[1], s[2])); // 6to4
    }
    let global_unicast = s[0] & 0xe000 == 0x2000;
    // 2001::/23: IETF protocol assignments (Teredo among them); 2001:db8::/32 and
    // 3fff::/20: documentation.
    let special = (s[0] == 0x2001 && (s[1] < 0x0200 || s[1] == 0x0db8)) || s[0] & 0xfff0 == 0x3ff0;
    global_unicast && !special
}

/// This machine's loopback addresses (not their IPv4-mapped forms).
fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6 == Ipv6Addr::LOCALHOST,
    }
}

/// `localhost` and names under it (RFC 6761), with or without the final dot.
fn is_localhost_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// A URL's host: an address literal or a name.
enum Host<'a> {
    Address(IpAddr),
    Name(&'a str),
}

fn host(url: &Url) -> Option<Host<'_>> {
    let raw = url.host_str()?;
    // The URL parser has already turned every IPv4 spelling (2130706433, 0x7f.1) into
    // dotted decimal, and keeps IPv6 literals in brackets.
    match raw.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(ip) => Some(Host::Address(ip)),
        Err(_) => Some(Host::Name(raw)),
    }
}

/// Which destinations webhooks may reach.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Destinations {
    /// Also this machine's loopback addresses (development and tests only).
    pub allow_loopback: bool,
}

impl Destinations {
    /// The one rule for an address a webhook would be sent to.
    pub fn permits(self, ip: IpAddr) -> bool {
        is_public(ip) || (self.allow_loopback && is_loopback(ip))
    }
}

fn refused_url() -> AppError {
    AppError::bad_input("input.url", "input.url must point at a host on the public internet")
}

/// Checks a URL for a new subscription, without any lookup: well formed, no
/// credentials, https (or http to loopback under the switch), an address literal
/// permitted, no `localhost` name (unless under the switch).
pub fn check_url_form(url: &str, destinations: Destinations) -> AppResult<Url> {
    let bad = |why: &str| AppError::bad_input("input.url", format!("input.url {why}"));
    if url.chars().count() > MAX_URL_CHARS {
        return Err(bad(&format!("must be at most {MAX_URL_CHARS} characters")));
    }
    let parsed = Url::parse(url).map_err(|_| bad("is not a URL"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    let loopback = match host(&parsed) {
        Some(Host::Address(ip)) => check_literal(ip, destinations)?,
        Some(Host::Name(name)) if is_localhost_name(name) => {
            if !destinations.allow_loopback {
                return Err(refused_url());
            }
            true
        }
        Some(Host::Name(_)) => false,
        None => return Err(bad("is not a URL")),
    };
    match (parsed.scheme(), loopback) {
        ("https", _) | ("http", true) => Ok(parsed),
        _ => Err(bad("must use https")),
    }
}

/// Resolves a checked URL's host name and requires every address it has now to be
/// permitted. A host that does not resolve is refused with the same message as an
/// inside one, so the check cannot be used to learn which inside names exist. Call it
/// only once the caller is authorized and the input valid: a lookup leaves the service.
pub async fn check_url_addresses(url: &Url, destinations: Destinations) -> AppResult<()> {
    let Some(Host::Name(name)) = host(url) else { return Ok(()) };
    let port = url.port_or_known_default().unwrap_or(443);
    let lookup = tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((name, port))).await;
    let addresses: Vec<SocketAddr> = match lookup {
        Ok(Ok(found)) => found.collect(),
        _ => Vec::new(),
    };
    if addresses.is_empty() || !addresses.iter().all(|a| destinations.permits(a.ip())) {
        return Err(refused_url());
    }
    Ok(())
}

/// Refuses a literal address that may not be reached; tells whether it is loopback.
fn check_literal(ip: IpAddr, destinations: Destinations) -> AppResult<bool> {
    if destinations.permits(ip) { Ok(is_loopback(ip)) } else { Err(refused_url()) }
}

/// Why a delivery was not sent: its destination is not permitted (now).
#[derive(Debug)]
pub struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("destination refused")
    }
}

impl std::error::Error for Refused {}

/// Checks a stored URL just before a delivery. Address literals are checked here
/// (the HTTP client connects to them without asking a resolver); names are checked by
/// [`GuardedResolver`] as the client connects.
pub fn check_delivery_url(url: &str, destinations: Destinations) -> Result<Url, Refused> {
    let parsed = Url::parse(url).map_err(|_| Refused)?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(Refused);
    }
    let permitted = match host(&parsed) {
        Some(Host::Address(ip)) => destinations.permits(ip),
        Some(Host::Name(_)) => true,
        None => false,
    };
    if permitted { Ok(parsed) } else { Err(Refused) }
}

/// Whether a request failed because [`GuardedResolver`] refused its destination.
pub fn was_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<Refused>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The webhook client's DNS resolver: resolves a name, keeps only the permitted
/// addresses, and fails when none is left. The client connects only to what it returns.
#[derive(Clone, Debug, Default)]
pub struct GuardedResolver {
    destinations: Destinations,
    /// Fixed answers for some names, consulted before the system's resolver and
    /// filtered like it (tests use it to point a name inside).
    fixed: Arc<HashMap<String, Vec<IpAddr>>>,
}

impl GuardedResolver {
    /// A resolver that drops every address `destinations` does not allow, so a webhook cannot reach inside the network by name.
    pub fn new(destinations: Destinations) -> Self {
        GuardedResolver { destinations, fixed: Arc::default() }
    }

    /// The same resolver answering `name` with `addresses` (still filtered).
    pub fn with_fixed(mut self, name: &str, addresses: Vec<IpAddr>) -> Self {
        Arc::make_mut(&mut self.fixed).insert(name.to_ascii_lowercase(), addresses);
        self
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let destinations = self.destinations;
        let fixed = self.fixed.get(&name.as_str().to_ascii_lowercase()).cloned();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = match fixed {
                Some(ips) => ips.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect(),
                None => tokio::net::lookup_host((name.as_str(), 0)).await?.collect(),
            };
            let permitted: Vec<SocketAddr> = found.into_iter().filter(|a| destinations.permits(a.ip())).collect();
            if permitted.is_empty() {
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_public() {
        for inside in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.0.0.2",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.0.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b:1::8.8.8.8",
            "100::1",
            "2001::1",
            "2001:2::1",
            "2001:db8::1",
            "2002:a00:1::1",
            "2002:7f00:1::",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(!is_public(ip(inside)), "{inside} is not public");
        }
        for outside in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
        ] {
            assert!(is_public(ip(outside)), "{outside} is public");
        }
    }

    #[test]
    fn the_loopback_switch_opens_loopback_and_nothing_else() {
        let dev = Destinations { allow_loopback: true };
        assert!(dev.permits(ip("127.0.0.1")) && dev.permits(ip("127.0.0.2")) && dev.permits(ip("::1")));
        for still_refused in ["10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1", "fe80::1", "0.0.0.0"] {
            assert!(!dev.permits(ip(still_refused)), "{still_refused}");
        }
        assert!(!Destinations::default().permits(ip("127.0.0.1")));
    }

    #[test]
    fn subscription_urls_are_checked_in_form() {
        let prod = Destinations::default();
        let dev = Destinations { allow_loopback: true };
        assert!(check_url_form("https://hooks.example.org/lantern", prod).is_ok());
        assert!(check_url_form("https://93.184.215.14/lantern", prod).is_ok());
        for bad in [
            "http://hooks.example.org/lantern",
            "https://user:pw@hooks.example.org/",
            "not a url",
            "ftp://93.184.215.14/",
            "https://127.0.0.1/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://[::ffff:7f00:1]/",
            "https://localhost/",
            "https://localhost./",
            "https://a.b.localhost/",
            "http://127.0.0.1:9000/hook",
        ] {
            assert!(check_url_form(bad, prod).is_err(), "{bad}");
        }
        assert!(check_url_form("http://127.0.0.1:9000/hook", dev).is_ok());
        assert!(check_url_form("http://localhost:9000/hook", dev).is_ok());
        assert!(check_url_form("http://hooks.example.org/", dev).is_err(), "http only to loopback");
        assert!(check_url_form("https://10.0.0.1/", dev).is_err());
        assert!(check_url_form(&format!("https://example.org/{}", "a".repeat(MAX_URL_CHARS)), prod).is_err());
    }

    #[test]
    fn delivery_urls_are_checked_for_literals() {
        let prod = Destinations::default();
        assert!(check_delivery_url("https://93.184.215.14/", prod).is_ok());
        assert!(check_delivery_url("https://hooks.example.org/", prod).is_ok(), "names go to the resolver");
        assert!(check_delivery_url("http://127.0.0.1:8080/", prod).is_err());
        assert!(check_delivery_url("https://[::ffff:a9fe:a9fe]/", prod).is_err());
        assert!(check_delivery_url("http://127.0.0.1:8080/", Destinations { allow_loopback: true }).is_ok());
    }

    #[tokio::test]
    async fn the_resolver_returns_only_permitted_addresses() {
        let resolver = GuardedResolver::new(Destinations::default())
            .with_fixed("mixed.test", vec![ip("10.0.0.1"), ip("93.184.215.14"), ip("::1")])
            .with_fixed("inside.test", vec![ip("169.254.169.254"), ip("127.0.0.1")]);
        let got: Vec<IpAddr> = resolver.resolve("mixed.test".parse().unwrap()).await.unwrap().map(|a| a.ip()).collect();
        assert_eq!(got, vec![ip("93.184.215.14")]);
        let err = resolver.resolve("inside.test".parse().unwrap()).await.err().expect("nothing left");
        assert!(was_refused(err.as_ref()));
    }
}
