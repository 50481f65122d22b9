#include "web/reports_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <unordered_map>
#include <utility>

namespace mina::web {

namespace json = boost::json;

std::variant<ApiBody, ApiBodyProblem> read_api_body(std::string_view body, json::storage_ptr storage) {
    ApiBody out;
    boost::system::error_code ec;
    out.doc = json::parse(body, ec, std::move(storage));
    const json::object* obj = ec ? nullptr : out.doc.if_object();
    if (!obj || !obj->if_contains("reports") || !obj->at("reports").is_array()) return ApiBodyProblem::bad_json;
    std::string mode = "validate";
    if (obj->if_contains("mode")) {
        const auto* m = obj->at("mode").if_string();
        mode = m ? std::string(*m) : "?";
    }
    if (mode == "all") out.mode = reports::SaveMode::all_or_nothing;
    else if (mode == "good") out.mode = reports::SaveMode::good_rows;
    else if (mode != "validate") return ApiBodyProblem::bad_mode;
    return out;
}

reports::Fields ApiBody::row(std::size_t i) const {
    // Each object's members once, each to its field by its Swedish or English name.
    static const std::unordered_map<std::string_view, std::string reports::Fields::*> kMembers = [] {
        std::unordered_map<std::string_view, std::string reports::Fields::*> m;
        for (const auto& n : reports::field_names()) {
            m.emplace(n.name, n.member);
            m.emplace(n.english, n.member);
        }
        return m;
    }();
    reports::Fields f;
    if (const auto* o = reports()[i].if_object()) {
        for (const auto& kv : *o) {
            const auto it = kMembers.find(std::string_view(kv.key()));
            if (it == kMembers.end()) continue;
            const json::value& v = kv.value();
            auto& field = f.*(it->second);
            if (const auto* s = v.if_string()) field.assign(s->data(), s->size());
            else if (v.is_int64()) field = std::to_string(v.get_int64());
            else if (v.is_uint64()) field = std::to_string(v.get_uint64());
            else if (v.is_double()) field = json::serialize(v);
            else if (v.is_bool()) field = v.get_bool() ? "ja" : "nej";
        }
    }
    return f;
}

}  // namespace mina::web
