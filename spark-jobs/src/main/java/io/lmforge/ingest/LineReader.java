package io.lmforge.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into lines without ever holding more than {@code maxLineBytes} of one
 * line, and decodes each as strict UTF-8. Knows each line's number and byte offset, which is
 * what quarantine rows cite.
 */
final class LineReader {

    /** One line: its bytes decoded, or why they could not be. */
    record Line(long number, long offset, int byteLength, String text, String error, String rawPrefix) {
        boolean ok() {
            return error == null;
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer = new byte[1 << 16];
    private int bufferPos;
    private int bufferEnd;
    private byte[] line = new byte[1024];
    private long lineNumber;
    private long offset;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    LineReader(InputStream in, long maxLineBytes) {
        this.in = in;
        this.maxLineBytes = (int) Math.min(Integer.MAX_VALUE - 16, maxLineBytes);
    }

    /** Byte offset where the next line starts. */
    long offset() {
        return offset;
    }

    /** Number (1-based) the next line will have. */
    long nextNumber() {
        return lineNumber + 1;
    }

    /** The next line, or null at the end of the stream. */
    Line next() throws IOException {
        int length = 0;
        long total = 0;
        boolean sawAny = false;
        while (true) {
            if (bufferPos == bufferEnd) {
                bufferEnd = in.read(buffer, 0, buffer.length);
                bufferPos = 0;
                if (bufferEnd <= 0) {
                    bufferEnd = 0;
                    if (!sawAny) {
                        return null;
                    }
                    return finish(length, total);
                }
            }
            sawAny = true;
            int start = bufferPos;
            int newline = -1;
            for (int i = start; i < bufferEnd; i++) {
                if (buffer[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            int end = newline < 0 ? bufferEnd : newline;
            int chunk = end - start;
            total += chunk;
            if (total <= maxLineBytes) {
                if (length + chunk > line.length) {
                    line = Arrays.copyOf(line, Math.max(line.length * 2, length + chunk));
                }
                System.arraycopy(buffer, start, line, length, chunk);
                length += chunk;
            }
            bufferPos = newline < 0 ? bufferEnd : newline + 1;
            if (newline >= 0) {
                Line l = finish(length, total);
                offset += 1; // the newline itself
                return l;
            }
        }
    }

    private Line finish(int length, long total) {
        lineNumber++;
        long start = offset;
        offset += total;
        int len = length;
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        if (total > maxLineBytes) {
            return new Line(lineNumber, start, (int) Math.min(Integer.MAX_VALUE, total), null,
                    "record of " + total + " bytes is over the limit of " + maxLineBytes + " bytes (max-record-bytes)",
                    lenient(line, Math.min(len, 256)));
        }
        ByteBuffer bytes = ByteBuffer.wrap(line, 0, len);
        CharBuffer chars = CharBuffer.allocate(len);
        CoderResult result = utf8.reset().decode(bytes, chars, true);
        if (!result.isError()) {
            result = utf8.flush(chars);
        }
        if (result.isError()) {
            return new Line(lineNumber, start, len, null,
                    "bytes that are not valid UTF-8 at byte " + bytes.position() + " of the line",
                    lenient(line, Math.min(len, 256)));
        }
        chars.flip();
        return new Line(lineNumber, start, len, chars.toString(), null, null);
    }

    private static String lenient(byte[] bytes, int len) {
        return new String(bytes, 0, len, StandardCharsets.UTF_8);
    }
}
