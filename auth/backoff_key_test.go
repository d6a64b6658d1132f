package auth

import (
	"net/netip"
	"testing"
)

func TestAuthBackoffKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"}, // IPv4-mapped: the IPv4 client
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"fe80::1%eth0", "fe80::/64"}, // zone dropped
		{"::1", "::/64"},
	} {
		if got := BackoffKey(netip.MustParseAddr(tc.in)); got != tc.want {
			t.Errorf("BackoffKey(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := BackoffKey(netip.Addr{}); got != "invalid IP" {
		t.Errorf("BackoffKey(zero) = %q", got)
	}
}
