package io.lmforge.ingest;

import java.io.IOException;
import java.io.InputStream;

/**
 * A sliding window over a stream for byte-level scanners: {@code buf[pos, end)} are the bytes
 * not yet consumed, and {@code base} is the stream position of {@code buf[0]}, so
 * {@code base + pos} is always the position of the next byte.
 */
final class ByteWindow {
    final byte[] buf = new byte[1 << 16];
    int pos;
    int end;
    long base;
    private final InputStream in;

    ByteWindow(InputStream in) {
        this.in = in;
    }

    /** Stream position of the next unconsumed byte. */
    long position() {
        return base + pos;
    }

    /** Makes at least {@code n} bytes available at {@code pos}; false at the end of the stream. */
    boolean ensure(int n) throws IOException {
        if (end - pos >= n) {
            return true;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, end - pos);
            base += pos;
            end -= pos;
            pos = 0;
        }
        while (end < n) {
            int r = in.read(buf, end, buf.length - end);
            if (r < 0) {
                return false;
            }
            end += r;
        }
        return true;
    }
}
