#include "web/reports_api.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>

namespace mina::web {

namespace json = boost::json;

namespace {

// Each object's members once, each to its field by its Swedish or English name.
reports::Fields fields_of(const json::value& element) {
    static const std::unordered_map<std::string_view, std::string reports::Fields::*> kMembers = [] {
        std::unordered_map<std::string_view, std::string reports::Fields::*> m;
        for (const auto& n : reports::field_names()) {
            m.emplace(n.name, n.member);
            m.emplace(n.english, n.member);
        }
        return m;
    }();
    reports::Fields f;
    if (const auto* o = element.if_object()) {
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

// A field's length in one byte, or 0xFF and four bytes; then its bytes.
std::string pack(const reports::Fields& f) {
    std::string out;
    for (const auto& n : reports::field_names()) {
        const std::string& v = f.*(n.member);
        if (v.size() < 0xFF) {
            out += static_cast<char>(v.size());
        } else {
            const auto size = static_cast<std::uint32_t>(std::min<std::size_t>(v.size(), 0xFFFFFFFFu));
            out += static_cast<char>(0xFF);
            out.append(reinterpret_cast<const char*>(&size), sizeof size);
        }
        out.append(v, 0, std::min<std::size_t>(v.size(), 0xFFFFFFFFu));
    }
    return out;
}

reports::Fields unpack(std::string_view rest) {
    reports::Fields f;
    for (const auto& n : reports::field_names()) {
        std::size_t size = static_cast<unsigned char>(rest.front());
        rest.remove_prefix(1);
        if (size == 0xFF) {
            std::uint32_t big = 0;
            std::memcpy(&big, rest.data(), sizeof big);
            rest.remove_prefix(sizeof big);
            size = big;
        }
        (f.*(n.member)).assign(rest.substr(0, size));
        rest.remove_prefix(size);
    }
    return f;
}

}  // namespace

std::variant<ApiBody, ApiBodyProblem> read_api_body(std::string_view body, json::storage_ptr storage) {
    ApiBody out;
    boost::system::error_code ec;
    const json::value doc = json::parse(body, ec, std::move(storage));
    const json::object* obj = ec ? nullptr : doc.if_object();
    if (!obj || !obj->if_contains("reports") || !obj->at("reports").is_array()) return ApiBodyProblem::bad_json;
    std::string mode = "validate";
    if (obj->if_contains("mode")) {
        const auto* m = obj->at("mode").if_string();
        mode = m ? std::string(*m) : "?";
    }
    if (mode == "all") out.mode = reports::SaveMode::all_or_nothing;
    else if (mode == "good") out.mode = reports::SaveMode::good_rows;
    else if (mode != "validate") return ApiBodyProblem::bad_mode;
    const json::array& list = obj->at("reports").get_array();
    out.packed.reserve(list.size());
    for (const auto& element : list) out.packed.push_back(pack(fields_of(element)));
    return out;
}

std::string api_answer_json(const reports::Plan& plan, std::int64_t submission, SubmissionState state, int saved,
                            const std::function<std::string(const std::string& code)>& word) {
    std::string out = json::serialize(json::object{{"submission", submission},
                                                   {"state", to_string(state)},
                                                   {"rows", plan.rows.size()},
                                                   {"accepted", plan.accepted},
                                                   {"refused", plan.refused},
                                                   {"duplicates", plan.duplicates},
                                                   {"saved", saved}});
    out.pop_back();  // the closing '}': "results" follows, written row by row
    out.reserve(out.size() + 16 + plan.rows.size() * 48);
    out += ",\"results\":[";
    unsigned char buffer[1024];  // each row's values; a row with many errors goes on to the heap
    for (const auto& r : plan.rows) {
        json::monotonic_resource arena(buffer, sizeof buffer);
        json::object row(&arena);
        row.emplace("row", r.line);
        row.emplace("fate", r.accepted() ? "accepted" : r.duplicate ? "duplicate" : "refused");
        if (r.accepted() && r.event.id > 0) row.emplace("report", r.event.id);
        if (r.refused()) {
            json::array errors(&arena);
            for (const auto& e : reports::error_codes(r))
                errors.push_back(
                    json::object({{"field", e.field}, {"code", e.message}, {"message", word(e.message)}}, &arena));
            row.emplace("errors", std::move(errors));
        }
        if (&r != &plan.rows.front()) out += ',';
        out += json::serialize(row);
    }
    out += "]}";
    return out;
}

reports::Fields ApiBody::row(std::size_t i) const { return unpack(packed[i]); }

reports::Fields ApiBody::take(std::size_t i) {
    reports::Fields f = unpack(packed[i]);
    std::string().swap(packed[i]);
    if (i + 1 == packed.size()) std::vector<std::string>().swap(packed);  // the last: all let go
    return f;
}

}  // namespace mina::web
