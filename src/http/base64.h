// Strict standard base64 (RFC 4648 alphabet, '=' padding required to a multiple of four, no
// whitespace), as `wasm_b64` and `snapshot_b64` bodies carry bytes. Internal to the http layer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tw::http {

// The decoded bytes, or nullopt for any character, length or padding mistake.
std::optional<std::string> decodeBase64(std::string_view text);
std::string encodeBase64(std::string_view bytes);

}  // namespace tw::http
