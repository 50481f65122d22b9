// Pages: mustache templates (HTML-escaped by default) and the sv/en message catalogs, all
// compiled into the binary.
#pragma once

#include <kainjow/mustache.hpp>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mina::web {

using Data = kainjow::mustache::data;

/// A message catalog (i18n/<lang>.toml): a TOML table of strings, `key = "value"`, read with
/// toml++ (so TOML's escapes and multi-line strings hold). Throws std::runtime_error, naming
/// `name` and the line, when the text is not TOML or a value is not a string.
[[nodiscard]] std::map<std::string, std::string, std::less<>> parse_catalog(std::string_view name,
                                                                            std::string_view text);

/// One catalog per language from catalog files by their names: "sv.toml" and any "sv.<part>.toml"
/// make the language "sv". Throws std::runtime_error when a key stands in two files of a language.
using CatalogFile = std::pair<std::string_view, std::string_view>;  // name, text
[[nodiscard]] std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> read_catalogs(
    const std::vector<CatalogFile>& files);

class Views {
   public:
    /// Loads the embedded templates and catalogs; throws std::runtime_error if one is malformed or
    /// a catalog lacks a key that the other has.
    Views();

    /// Renders templates/<page>.html inside templates/layout.html. `data` gets `t` (the catalog of
    /// `lang`) and `body`.
    [[nodiscard]] std::string page(std::string_view page, const std::string& lang, Data data) const;
    /// A message of the catalog, with {name} placeholders replaced from `params`.
    [[nodiscard]] std::string t(const std::string& lang, std::string_view key,
                                const std::map<std::string, std::string>& params = {}) const;
    /// Every message of `lang`'s catalog (empty for a language without one): for checks of the words.
    [[nodiscard]] const std::map<std::string, std::string, std::less<>>& catalog(std::string_view lang) const;
    /// A message that counts: the catalog's `<key>_one` or `<key>_other`, as the language's plural
    /// rules (ICU's, from the CLDR) choose for `n`, with {n} and `params` filled in. "om 1 dag", "om 2 dagar".
    [[nodiscard]] std::string t_count(const std::string& lang, std::string_view key, long long n,
                                      std::map<std::string, std::string> params = {}) const;

   private:
    /// kainjow's render() is not const; each thread compiles its own copy from these sources, for
    /// each language with the catalog's words written in (see translated()).
    [[nodiscard]] kainjow::mustache::mustache& compiled(std::string_view name, const std::string& lang) const;
    /// `source` with every {{t.key}} replaced by the catalog's text, escaped as the renderer would
    /// escape it ({{{t.key}}} and {{&t.key}} as it is): the words of a page do not change between
    /// requests, so they are not looked up and escaped again for each.
    [[nodiscard]] std::string translated(const std::string& source, const std::string& lang) const;
    std::map<std::string, std::string, std::less<>> sources_;
    std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> catalogs_;
    std::map<std::string, Data, std::less<>> catalog_data_;
};

}  // namespace mina::web
