// What the pages say about the agency and where they link (SPEC R15, R16): configurable.
#pragma once

#include <string>

namespace mina::web {

struct SiteConfig {
    std::string agency_name = "CSN";
    std::string time_zone = "Europe/Stockholm";  // times shown to people, and every rule's "today"
    std::string public_url;                      // e.g. https://mina.example.se; empty: links are relative
    std::string contact_name = "Kontaktperson för Studietider och utbildningar";
    std::string contact_phone = "060-18 60 00";
    std::string school_phone = "0771-276 400";
    std::string school_phone_hours_sv = "Måndag–fredag 9.00–12.00";
    std::string school_phone_hours_en = "Monday–Friday 9.00–12.00";
    std::string semafor_url = "https://www.csn.se/";
    std::string order_url = "https://www.csn.se/";
};

}  // namespace mina::web
