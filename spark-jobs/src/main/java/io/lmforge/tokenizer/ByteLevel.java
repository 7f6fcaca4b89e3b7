package io.lmforge.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-to-character table, which Hugging Face's {@code ByteLevel} pre-tokenizer and
 * decoder use: every byte maps to one printable character, so a byte-level BPE vocabulary is a
 * set of ordinary strings and any input round-trips. Printable Latin-1 bytes map to themselves;
 * the rest (controls, space, soft hyphen) to U+0100 onwards, in byte order.
 */
public final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x200];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The character that stands for byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a byte-level character stands for, or -1 if {@code c} is not one. */
    public static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The UTF-8 bytes of {@code text}, one character per byte. */
    public static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /** The bytes a byte-level string stands for. */
    public static byte[] decode(String byteLevel) {
        byte[] out = new byte[byteLevel.length()];
        for (int i = 0; i < out.length; i++) {
            int b = byteOf(byteLevel.charAt(i));
            if (b < 0) {
                throw new IllegalArgumentException("not a byte-level string: U+"
                        + Integer.toHexString(byteLevel.charAt(i)) + " at " + i);
            }
            out[i] = (byte) b;
        }
        return out;
    }
}
