#include "web/views.hpp"

#include <toml++/toml.h>

#include <stdexcept>

#include "embedded/i18n.hpp"
#include "embedded/templates.hpp"
#include "time/local_time.hpp"

namespace mina::web {

std::map<std::string, std::string, std::less<>> parse_catalog(std::string_view name, std::string_view text) {
    toml::table doc;
    try {
        doc = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        throw std::runtime_error(std::string(name) + ":" + std::to_string(e.source().begin.line) + ": " +
                                 std::string(e.description()));
    }
    std::map<std::string, std::string, std::less<>> out;
    for (const auto& [key, node] : doc) {
        const auto* value = node.as_string();
        if (value == nullptr)
            throw std::runtime_error(std::string(name) + ":" + std::to_string(node.source().begin.line) + ": " +
                                     std::string(key.str()) + " is not a string");
        out.emplace(std::string(key.str()), value->get());
    }
    return out;
}

namespace {

/// The render context: the page's data on top of the catalog. kainjow's own context splits every
/// dotted name ({{t.key}}) with a stringstream on every lookup; this one walks the name in place.
class Context final : public kainjow::mustache::basic_context<std::string> {
   public:
    explicit Context(const Data* base) { items_.push_back(base); }
    void push(const Data* data) override { items_.push_back(data); }
    void pop() override { items_.pop_back(); }

    const Data* get(const std::string& name) const override {
        if (name.size() == 1 && name[0] == '.') return items_.back();
        const bool dotted = name.find('.') != std::string::npos;
        for (std::size_t i = items_.size(); i-- > 0;) {  // the innermost first
            const Data* var = dotted ? walk(items_[i], name) : items_[i]->get(name);
            if (var) return var;
        }
        return nullptr;
    }
    const Data* get_partial(const std::string& name) const override {
        for (std::size_t i = items_.size(); i-- > 0;)  // the innermost first
            if (const Data* var = items_[i]->get(name)) return var;
        return nullptr;
    }

   private:
    static const Data* walk(const Data* var, const std::string& name) {
        thread_local std::string part;
        std::size_t from = 0;
        for (;;) {
            const auto dot = name.find('.', from);
            part.assign(name, from, dot == std::string::npos ? std::string::npos : dot - from);
            var = var->get(part);
            if (var == nullptr || dot == std::string::npos) return var;
            from = dot + 1;
        }
    }
    std::vector<const Data*> items_;  // the top is at the back
};

/// Appends what the renderer produces to one string (no stream, no locale).
struct Sink {
    std::string& out;
    Sink& operator<<(const std::string& text) {
        out += text;
        return *this;
    }
};

}  // namespace

std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> read_catalogs(
    const std::vector<CatalogFile>& files) {
    // A language's catalog is sv.toml and any sv.<part>.toml beside it (one file per area of pages);
    // a key may stand in only one of them.
    std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> out;
    for (const auto& [name, text] : files) {
        const std::string lang(name.substr(0, name.find('.')));
        auto& cat = out[lang];
        for (auto& [key, value] : parse_catalog(name, text))
            if (!cat.emplace(key, std::move(value)).second)
                throw std::runtime_error("catalog " + std::string(name) + ": " + key + " is also in another " + lang +
                                         " file");
    }
    return out;
}

Views::Views() {
    for (const auto& f : embedded_templates::files()) {
        std::string name(f.name.substr(0, f.name.rfind('.')));
        kainjow::mustache::mustache tmpl{std::string(f.text)};
        if (!tmpl.is_valid()) throw std::runtime_error("template " + name + ": " + tmpl.error_message());
        sources_.emplace(std::move(name), std::string(f.text));
    }
    std::vector<CatalogFile> files;
    for (const auto& f : embedded_i18n::files()) files.emplace_back(f.name, f.text);
    catalogs_ = read_catalogs(files);
    const auto& sv = catalogs_.at("sv");
    for (const auto& [lang, cat] : catalogs_) {
        for (const auto& [key, value] : sv)
            if (!cat.contains(key)) throw std::runtime_error("catalog " + lang + " lacks " + key);
        for (const auto& [key, value] : cat)
            if (!sv.contains(key)) throw std::runtime_error("catalog sv lacks " + key);
        Data d{Data::type::object};
        for (const auto& [key, value] : cat) d.set(key, value);
        Data root{Data::type::object};
        root.set("t", d);
        // Templates named part_* are partials ({{> part_x}}), shared by several pages.
        for (const auto& [name, text] : sources_)
            if (name.starts_with("part_"))
                root.set(name, Data{kainjow::mustache::partial{[text = text] { return text; }}});
        catalog_data_.emplace(lang, std::move(root));
    }
}

std::string Views::page(std::string_view page, const std::string& lang, Data data) const {
    // The catalog is not copied into each page's data: it sits below the page's data on the
    // render context's stack, so {{t.key}} finds it there.
    auto cat = catalog_data_.find(lang);
    if (cat == catalog_data_.end()) cat = catalog_data_.find("sv");
    data.set("lang", lang);
    std::string body;
    body.reserve(4096);
    Context page_ctx(&cat->second);
    page_ctx.push(&data);
    Sink page_sink{body};
    compiled(page, cat->first).render(page_ctx, page_sink);
    data.set("body", body);
    std::string out;
    out.reserve(body.size() + 4096);
    Context layout_ctx(&cat->second);
    layout_ctx.push(&data);
    Sink layout_sink{out};
    compiled("layout", cat->first).render(layout_ctx, layout_sink);
    return out;
}

kainjow::mustache::mustache& Views::compiled(std::string_view name, const std::string& lang) const {
    thread_local std::map<std::tuple<const Views*, std::string, std::string>, kainjow::mustache::mustache, std::less<>>
        cache;
    thread_local std::tuple<const Views*, std::string, std::string> key;
    std::get<0>(key) = this;
    std::get<1>(key).assign(name);
    std::get<2>(key).assign(lang);
    auto it = cache.find(key);
    if (it == cache.end()) {
        const auto src = sources_.find(name);
        if (src == sources_.end()) throw std::runtime_error("no template " + std::string(name));
        it = cache.emplace(key, kainjow::mustache::mustache{translated(src->second, lang)}).first;
    }
    return it->second;
}

std::string Views::translated(const std::string& source, const std::string& lang) const {
    const auto cat = catalogs_.find(lang);
    if (cat == catalogs_.end()) return source;
    std::string out;
    out.reserve(source.size() + source.size() / 2);
    std::size_t from = 0;
    for (auto open = source.find("{{", from); open != std::string::npos; open = source.find("{{", from)) {
        // {{t.key}}, {{{t.key}}} or {{&t.key}}: escaped, raw, raw.
        const bool triple = source.compare(open, 3, "{{{") == 0;
        const bool amp = !triple && source.compare(open, 3, "{{&") == 0;
        const std::size_t name_at = open + (triple || amp ? 3 : 2);
        const std::string_view close_tag = triple ? "}}}" : "}}";
        const auto close = source.find(close_tag, name_at);
        if (close == std::string::npos) break;
        std::string_view name(source.data() + name_at, close - name_at);
        while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
        while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        const auto word = name.starts_with("t.") ? cat->second.find(name.substr(2)) : cat->second.end();
        // A text that holds a tag of its own is left to the renderer, which would not read it as one.
        if (word == cat->second.end() || word->second.find("{{") != std::string::npos ||
            word->second.find("}}") != std::string::npos) {
            out.append(source, from, close + close_tag.size() - from);
        } else {
            out.append(source, from, open - from);
            out += triple || amp ? word->second : kainjow::mustache::html_escape<std::string>(word->second);
        }
        from = close + close_tag.size();
    }
    out.append(source, from, std::string::npos);
    return out;
}

std::string Views::t(const std::string& lang, std::string_view key,
                     const std::map<std::string, std::string>& params) const {
    auto cat = catalogs_.find(lang);
    if (cat == catalogs_.end()) cat = catalogs_.find("sv");
    const auto it = cat->second.find(key);
    if (it == cat->second.end()) return std::string(key);
    std::string out = it->second;
    for (const auto& [name, value] : params) {
        const std::string needle = "{" + name + "}";
        for (auto pos = out.find(needle); pos != std::string::npos; pos = out.find(needle, pos + value.size()))
            out.replace(pos, needle.size(), value);
    }
    return out;
}

const std::map<std::string, std::string, std::less<>>& Views::catalog(std::string_view lang) const {
    static const std::map<std::string, std::string, std::less<>> none;
    const auto it = catalogs_.find(std::string(lang));
    return it != catalogs_.end() ? it->second : none;
}

std::string Views::t_count(const std::string& lang, std::string_view key, long long n,
                           std::map<std::string, std::string> params) const {
    params.emplace("n", std::to_string(n));
    std::string name(key);
    name += '_';
    name += time::plural_category(lang, n);
    return t(lang, name, params);
}

}  // namespace mina::web
