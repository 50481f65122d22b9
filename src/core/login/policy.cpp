#include "core/login/policy.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <vector>

namespace mina {

PasswordAge classify_password_age(Timestamp set_at, Timestamp now, const PolicyConfig& p) {
    const Seconds age = now - set_at;
    if (age >= p.password_max_age) return PasswordAge::expired;
    if (age >= p.password_nudge_age) return PasswordAge::nudge;
    return PasswordAge::fresh;
}

Seconds client_delay_after(int failures, const PolicyConfig& p) {
    const int over = failures - p.client_max_failures;
    if (over < 0) return Seconds{0};
    const int shift = std::min(over, 16);
    return std::min(Seconds{std::int64_t{1} << shift}, p.client_max_delay);
}

namespace {

/// "a.b.c.d" with four decimal parts of at most three digits each, 0..255.
std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view s) {
    std::array<std::uint8_t, 4> out{};
    for (std::size_t part = 0; part < 4; ++part) {
        if (part > 0) {
            if (s.empty() || s.front() != '.') return std::nullopt;
            s.remove_prefix(1);
        }
        std::size_t digits = 0;
        int value = 0;
        while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9' && digits < 3) {
            value = value * 10 + (s[digits] - '0');
            ++digits;
        }
        if (digits == 0 || value > 255) return std::nullopt;
        out[part] = static_cast<std::uint8_t>(value);
        s.remove_prefix(digits);
    }
    if (!s.empty()) return std::nullopt;
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// RFC 4291 text: eight groups of up to four hex digits, one "::" for a run of zero groups, and
/// optionally a dotted IPv4 address as the last 32 bits.
std::optional<std::array<std::uint16_t, 8>> parse_ipv6(std::string_view s) {
    std::vector<std::uint16_t> head, tail;
    bool gap = false;
    std::vector<std::uint16_t>* groups = &head;
    if (s.starts_with("::")) {
        gap = true;
        groups = &tail;
        s.remove_prefix(2);
    } else if (s.starts_with(":")) {
        return std::nullopt;
    }
    while (!s.empty()) {
        const auto colon = s.find(':');
        const std::string_view part = s.substr(0, colon);
        if (colon == std::string_view::npos && part.find('.') != std::string_view::npos) {
            const auto v4 = parse_ipv4(part);
            if (!v4) return std::nullopt;
            groups->push_back(static_cast<std::uint16_t>((*v4)[0] << 8 | (*v4)[1]));
            groups->push_back(static_cast<std::uint16_t>((*v4)[2] << 8 | (*v4)[3]));
            s = {};
            break;
        }
        if (part.empty() || part.size() > 4) return std::nullopt;
        unsigned value = 0;
        for (char c : part) {
            const int h = hex_value(c);
            if (h < 0) return std::nullopt;
            value = value * 16 + static_cast<unsigned>(h);
        }
        groups->push_back(static_cast<std::uint16_t>(value));
        if (colon == std::string_view::npos) {
            s = {};
            break;
        }
        s.remove_prefix(colon + 1);
        if (s.starts_with(":")) {
            if (gap) return std::nullopt;
            gap = true;
            groups = &tail;
            s.remove_prefix(1);
        } else if (s.empty()) {
            return std::nullopt;  // a trailing single colon
        }
    }
    const std::size_t n = head.size() + tail.size();
    if (gap ? n > 7 : n != 8) return std::nullopt;
    std::array<std::uint16_t, 8> out{};
    std::copy(head.begin(), head.end(), out.begin());
    std::copy(tail.begin(), tail.end(), out.end() - static_cast<std::ptrdiff_t>(tail.size()));
    return out;
}

}  // namespace

std::string client_throttle_key(std::string_view address, int ipv6_prefix) {
    std::string_view a = address;
    if (a.size() >= 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
    if (parse_ipv4(a)) return std::string(a);
    if (const auto pct = a.find('%'); pct != std::string_view::npos) a = a.substr(0, pct);
    const auto v6 = parse_ipv6(a);
    if (!v6) return std::string(address);
    auto g = *v6;
    // ::ffff:a.b.c.d is an IPv4 client seen through a dual-stack socket.
    if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff) {
        char v4[16];
        std::snprintf(v4, sizeof v4, "%u.%u.%u.%u", g[6] >> 8u, g[6] & 0xffu, g[7] >> 8u, g[7] & 0xffu);
        return v4;
    }
    const int prefix = std::clamp(ipv6_prefix, 0, 128);
    for (int i = 0; i < 8; ++i) {
        const int keep = std::clamp(prefix - i * 16, 0, 16);
        const unsigned mask = keep == 0 ? 0u : (0xffffu << (16 - keep)) & 0xffffu;
        g[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(g[static_cast<std::size_t>(i)] & mask);
    }
    std::string out;
    char group[8];
    for (std::size_t i = 0; i < 8; ++i) {
        std::snprintf(group, sizeof group, i == 0 ? "%x" : ":%x", static_cast<unsigned>(g[i]));
        out += group;
    }
    return out + "/" + std::to_string(prefix);
}

}  // namespace mina
