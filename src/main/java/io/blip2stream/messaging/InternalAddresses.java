package io.blip2stream.messaging;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * Addresses a claim-check fetch must not reach unless explicitly allowed: this host, the local
 * networks, cloud metadata services (link-local) and addresses that are not unicast on the
 * internet. IPv6 forms that embed an IPv4 address (mapped, NAT64) are judged by that address.
 */
final class InternalAddresses {

    private record Range(Cidr cidr, String why) {
    }

    private static final List<Range> DENIED = List.of(
            range("0.0.0.0/8", "this network"),
            range("10.0.0.0/8", "a private network"),
            range("100.64.0.0/10", "a carrier-grade NAT network"),
            range("127.0.0.0/8", "loopback"),
            range("169.254.0.0/16", "link-local (cloud metadata)"),
            range("172.16.0.0/12", "a private network"),
            range("192.0.0.0/24", "IETF protocol assignments"),
            range("192.168.0.0/16", "a private network"),
            range("198.18.0.0/15", "a benchmarking network"),
            range("224.0.0.0/4", "multicast"),
            range("240.0.0.0/4", "reserved"),
            range("::/128", "unspecified"),
            range("::1/128", "loopback"),
            range("fc00::/7", "a unique local network"),
            range("fe80::/10", "link-local"),
            range("fec0::/10", "site-local"),
            range("ff00::/8", "multicast"));

    private InternalAddresses() {
    }

    /** Why {@code address} is internal, or empty for a public unicast address. */
    static Optional<String> why(InetAddress address) {
        InetAddress a = embeddedIpv4(address);
        for (Range r : DENIED) {
            if (r.cidr().contains(a)) {
                return Optional.of(a.getHostAddress() + " is " + r.why());
            }
        }
        return Optional.empty();
    }

    /** The IPv4 address inside an IPv4-mapped ({@code ::ffff:0:0/96}), compatible or NAT64 ({@code 64:ff9b::/96}) IPv6 address. */
    private static InetAddress embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] b = address.getAddress();
        boolean zero80 = true;
        for (int i = 0; i < 10; i++) {
            zero80 &= b[i] == 0;
        }
        boolean mapped = zero80 && (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF;
        boolean compatible = zero80 && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0);
        boolean nat64 = (b[0] & 0xFF) == 0x00 && (b[1] & 0xFF) == 0x64 && (b[2] & 0xFF) == 0xFF && (b[3] & 0xFF) == 0x9B;
        for (int i = 4; nat64 && i < 12; i++) {
            nat64 = b[i] == 0;
        }
        if (!mapped && !compatible && !nat64) {
            return address;
        }
        try {
            return InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Range range(String cidr, String why) {
        return new Range(Cidr.parse(cidr), why);
    }
}
