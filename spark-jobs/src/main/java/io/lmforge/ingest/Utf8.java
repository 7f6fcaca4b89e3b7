package io.lmforge.ingest;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 decoding for readers whose inputs must be UTF-8 (text and code trees, WET records,
 * Parquet strings): a byte that is not valid UTF-8 makes the record unreadable (quarantined, with
 * the byte's position), rather than silently becoming U+FFFD. Web pages are the exception: browsers
 * decode them with replacement characters, and so do we (see {@link HtmlText}).
 */
final class Utf8 {

    /** Bytes that are not valid UTF-8, and where. */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;
        final long position;

        MalformedException(long position) {
            super("bytes that are not valid UTF-8 at byte " + position);
            this.position = position;
        }
    }

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    /** Decodes {@code bytes[offset, offset+length)}, dropping a leading byte-order mark. */
    String decode(byte[] bytes, int offset, int length) throws MalformedException {
        int start = offset;
        if (length >= 3 && (bytes[offset] & 0xff) == 0xEF && (bytes[offset + 1] & 0xff) == 0xBB
                && (bytes[offset + 2] & 0xff) == 0xBF) {
            start += 3;
        }
        int end = offset + length;
        if (isAscii(bytes, start, end)) {
            return new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, start, end - start);
        CharBuffer out = CharBuffer.allocate(end - start);
        CoderResult result = decoder.reset().decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new MalformedException(in.position() - offset);
        }
        out.flip();
        return out.toString();
    }

    private static boolean isAscii(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }
}
