// Help in the product ([10] item 4): Vanliga frågor, the manual's chapter 4 in the product's words
// with the numbers it runs on (the policy's lockout, attempts and one-time passwords' validity, the
// site's phone), for anyone: in the public layout, or in the layout after login for a person
// logged in. And the format of Studietider's file, with an example, for those who upload it.
#pragma once

#include "web/pages.hpp"

namespace mina::web {

class HelpPages final : Pages {
   public:
    explicit HelpPages(PageContext& ctx) : Pages(ctx) {}
    void add_routes(Router& router);

   private:
    Response faq(Request& req);
    /// Studietider's file: its columns, with an example (as Studeranderapportering's format page).
    Response st_format(Request& req, Authed& a);
};

}  // namespace mina::web
