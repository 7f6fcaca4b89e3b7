package io.lmforge.serving;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The bearer-token check both endpoints share: HTTP's {@code Authorization} header and gRPC's
 * {@code authorization} metadata carry {@code Bearer KEY}, as vLLM's {@code --api-key} expects.
 * The key is compared in constant time and never appears in a message.
 */
final class ApiKey {
    private ApiKey() {
    }

    /**
     * @param expected the configured key (non-empty)
     * @param header   the header or metadata value as sent, null when absent
     * @return null when it carries the key, else why not (for the client; the key is not in it)
     */
    static String reject(String expected, String header, String how) {
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        if (MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
            return null;
        }
        return header == null ? "missing API key: send " + how : "wrong API key";
    }
}
