package io.lmforge.ingest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * A file of concatenated gzip members (Common Crawl gzips each WARC record on its own), read as
 * one decompressed stream that survives damage between and inside members.
 *
 * <p>{@link java.util.zip.GZIPInputStream} gives up at the first bad byte. Here, bytes between
 * members that do not start a member are skipped up to the next gzip magic and reported as
 * {@link Garbage}; a corrupt member throws a {@link ZipException} once, and the next read resumes
 * at the next member; a member cut short by the end of the file throws an {@link EOFException},
 * after which the stream is at its end. It also records where each member starts in the file,
 * so a reader can give a record the file offset of its member (the offset a CDX index cites).
 */
final class GzipMembers extends InputStream {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    /** Bytes in the file that are not part of any gzip member. */
    record Garbage(long offset, long length, byte[] head) {
    }

    private enum State { BETWEEN, IN_MEMBER, RESYNC, END }

    private final InputStream raw;
    /** The compressed bytes; {@code w.base + w.pos} is a file offset. */
    private final ByteWindow w;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private State state = State.BETWEEN;
    private long memberOffset = -1;
    private long memberBytes;
    /** Decompressed bytes handed out so far. */
    private long produced;
    /** (decompressed position where a member starts, its file offset), oldest first. */
    private final ArrayDeque<long[]> members = new ArrayDeque<>();
    private final List<Garbage> garbage = new ArrayList<>();
    private final byte[] one = new byte[1];

    GzipMembers(InputStream raw) {
        this.raw = raw;
        this.w = new ByteWindow(raw);
    }

    /** True when {@code head} starts with the gzip magic. */
    static boolean isGzip(byte[] head, int length) {
        return length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
    }

    /** File offset of the member that holds decompressed position {@code position}. */
    long memberOffsetAt(long position) {
        while (members.size() > 1) {
            long[] second = secondMember();
            if (second[0] <= position) {
                members.poll();
            } else {
                break;
            }
        }
        return members.isEmpty() ? 0 : members.peek()[1];
    }

    private long[] secondMember() {
        var it = members.iterator();
        it.next();
        return it.next();
    }

    /** Garbage found since the last call. */
    List<Garbage> takeGarbage() {
        if (garbage.isEmpty()) {
            return List.of();
        }
        List<Garbage> out = List.copyOf(garbage);
        garbage.clear();
        return out;
    }

    /** File offset of the member being read, or of the last one. */
    long memberOffset() {
        return memberOffset;
    }

    @Override
    public int read() throws IOException {
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            switch (state) {
                case END:
                    return -1;
                case BETWEEN:
                case RESYNC:
                    startMember();
                    continue;
                default:
                    break;
            }
            if (inflater.needsInput()) {
                if (!w.ensure(1)) {
                    state = State.END;
                    throw new EOFException("the file ends inside the gzip member at offset " + memberOffset
                            + " (truncated)");
                }
                inflater.setInput(w.buf, w.pos, w.end - w.pos);
                w.pos = w.end;
            }
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                w.pos = w.end - inflater.getRemaining();
                state = State.RESYNC;
                throw new ZipException("corrupt gzip member at offset " + memberOffset + ": " + e.getMessage());
            }
            if (n > 0) {
                crc.update(b, off, n);
                produced += n;
                memberBytes += n;
                return n;
            }
            if (inflater.finished()) {
                w.pos = w.end - inflater.getRemaining();
                finishMember();
            } else if (inflater.needsDictionary()) {
                state = State.RESYNC;
                throw new ZipException("corrupt gzip member at offset " + memberOffset + ": needs a preset dictionary");
            }
        }
    }

    /** Checks the 8-byte trailer: CRC-32 and length of the decompressed data. */
    private void finishMember() throws IOException {
        if (!w.ensure(8)) {
            state = State.END;
            throw new EOFException("the file ends inside the trailer of the gzip member at offset " + memberOffset
                    + " (truncated)");
        }
        long storedCrc = le32(w.pos);
        long storedSize = le32(w.pos + 4);
        w.pos += 8;
        state = State.BETWEEN;
        if (storedCrc != crc.getValue() || storedSize != (memberBytes & 0xffffffffL)) {
            throw new ZipException("corrupt gzip member at offset " + memberOffset + ": CRC or length mismatch");
        }
    }

    /**
     * Moves to the next member, skipping what lies before it: garbage (reported) when the last
     * member ended cleanly, the rest of a corrupt member (already reported by the caller) when not.
     */
    private void startMember() throws IOException {
        long skipStart = w.base + w.pos;
        byte[] head = null;
        int headLength = 0;
        boolean first = true;
        while (true) {
            if (!w.ensure(3)) {
                // Fewer than three bytes left: they cannot hold a member.
                long left = w.end - w.pos;
                if (left > 0 || !first) {
                    head = head == null ? Arrays.copyOfRange(w.buf, w.pos, w.end) : head;
                    headLength = head.length;
                    w.pos = w.end;
                }
                long skipped = w.base + w.pos - skipStart;
                if (skipped > 0 && state != State.RESYNC) {
                    garbage.add(new Garbage(skipStart, skipped, Arrays.copyOf(head, Math.min(headLength, 256))));
                }
                state = State.END;
                return;
            }
            if ((w.buf[w.pos] & 0xff) == 0x1f && (w.buf[w.pos + 1] & 0xff) == 0x8b && w.buf[w.pos + 2] == 8) {
                break;
            }
            if (first) {
                head = Arrays.copyOfRange(w.buf, w.pos, Math.min(w.end, w.pos + 256));
                headLength = head.length;
                first = false;
            }
            w.pos++;
        }
        long skipped = w.base + w.pos - skipStart;
        if (skipped > 0 && state != State.RESYNC) {
            garbage.add(new Garbage(skipStart, skipped, head));
        }
        memberOffset = w.base + w.pos;
        readHeader();
        inflater.reset();
        crc.reset();
        memberBytes = 0;
        members.add(new long[]{produced, memberOffset});
        state = State.IN_MEMBER;
    }

    private void readHeader() throws IOException {
        if (!w.ensure(10)) {
            throw truncatedHeader();
        }
        int flags = w.buf[w.pos + 3] & 0xff;
        w.pos += 10;
        if ((flags & FEXTRA) != 0) {
            if (!w.ensure(2)) {
                throw truncatedHeader();
            }
            int xlen = (w.buf[w.pos] & 0xff) | (w.buf[w.pos + 1] & 0xff) << 8;
            w.pos += 2;
            skipBytes(xlen);
        }
        if ((flags & FNAME) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FCOMMENT) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FHCRC) != 0) {
            skipBytes(2);
        }
    }

    private void skipBytes(int n) throws IOException {
        while (n > 0) {
            if (!w.ensure(1)) {
                throw truncatedHeader();
            }
            int step = Math.min(n, w.end - w.pos);
            w.pos += step;
            n -= step;
        }
    }

    private void skipZeroTerminated() throws IOException {
        while (true) {
            if (!w.ensure(1)) {
                throw truncatedHeader();
            }
            if (w.buf[w.pos++] == 0) {
                return;
            }
        }
    }

    private EOFException truncatedHeader() {
        state = State.END;
        return new EOFException("the file ends inside the header of the gzip member at offset " + memberOffset
                + " (truncated)");
    }


    private long le32(int at) {
        return (w.buf[at] & 0xffL) | (w.buf[at + 1] & 0xffL) << 8 | (w.buf[at + 2] & 0xffL) << 16 | (w.buf[at + 3] & 0xffL) << 24;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        raw.close();
    }
}
