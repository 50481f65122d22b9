// A QR code as inline SVG (libqrencode), for an authenticator app's otpauth URI ([12]): drawn as
// one path of dark modules with a quiet zone, scaled by the stylesheet; named for screen readers.
#pragma once

#include <string>
#include <string_view>

namespace mina::web {

/// The SVG of `text` as a QR code (error correction level M), with role="img" and `label` as its
/// name; empty when the text does not fit a QR code.
[[nodiscard]] std::string qr_svg(std::string_view text, std::string_view label);

}  // namespace mina::web
