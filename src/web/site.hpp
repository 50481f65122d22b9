// What the pages say about the agency and where they link (SPEC R15, R16): configurable.
#pragma once

#include <string>
#include <vector>

namespace mina::web {

struct SiteConfig {
    /// Where links in mail and letters point while server.public_url is unset: only a server on
    /// loopback may start so (issue [9] item 11), and its log says so.
    static constexpr const char* kLoopbackBase = "http://127.0.0.1:8080";

    std::string agency_name = "CSN";
    std::string time_zone = "Europe/Stockholm";  // times shown to people, and every rule's "today"
    std::string public_url;  // e.g. https://mina.example.se; empty: kLoopbackBase in mail and letters
    /// The agency's postal address for the letters' return line, a line each ("851 82 Sundsvall");
    /// empty: the return line carries only the agency's name.
    std::vector<std::string> agency_postal_address;
    std::string contact_name = "Kontaktperson för Studietider och utbildningar";
    std::string contact_phone = "060-18 60 00";
    std::string school_phone = "0771-276 400";
    std::string school_phone_hours_sv = "Måndag–fredag 9.00–12.00";
    std::string school_phone_hours_en = "Monday–Friday 9.00–12.00";
    std::string semafor_url = "https://www.csn.se/";
    std::string order_url = "https://www.csn.se/";

    /// The start of every absolute link in mail and letters.
    [[nodiscard]] std::string link_base() const { return public_url.empty() ? kLoopbackBase : public_url; }
};

}  // namespace mina::web
