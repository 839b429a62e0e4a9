package notify

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrPrivateTarget is returned when a webhook target resolves to an address
// on a private network and delivery.allow_private_targets is off.
var ErrPrivateTarget = errors.New("notify: target address is not public")

var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),         // "this" network
	netip.MustParsePrefix("100.64.0.0/10"),     // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),       // reserved
	netip.MustParsePrefix("64:ff9b::/96"),      // NAT64 can reach IPv4 private space
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local-use NAT64
	netip.MustParsePrefix("2002::/16"),         // 6to4 embeds any IPv4 address
	netip.MustParsePrefix("2001::/32"),         // Teredo embeds any IPv4 address
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS metadata over IPv6
}

// PublicAddr reports whether ip is a public unicast address a webhook may
// be sent to: not loopback, private (RFC 1918, unique-local fc00::/7),
// link-local (169.254.0.0/16 with the cloud metadata address, fe80::/10),
// carrier-grade NAT, multicast, unspecified or reserved, nor an IPv6 form
// that embeds an IPv4 address.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// dialControl refuses connections to non-public addresses. It runs after
// name resolution, on the address actually dialled, so DNS rebinding cannot
// slip a private address past a check made earlier.
func dialControl(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return ErrPrivateTarget
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !PublicAddr(ip) {
		// Not the address: an error shown to API users must not tell
		// them what an internal name resolves to.
		return ErrPrivateTarget
	}
	return nil
}

// Dialer returns the dialer of channels that speak another protocol than
// HTTP (SMTP): it refuses, at dial time, the addresses webhooks may not go
// to, unless allowPrivate.
func Dialer(allowPrivate bool, timeout time.Duration) *net.Dialer {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = dialControl
	}
	return d
}
