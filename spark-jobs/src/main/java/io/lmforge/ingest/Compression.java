package io.lmforge.ingest;

import com.github.luben.zstd.ZstdInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/** The compressions we read, by file extension. Multi-member streams are read to the end. */
public enum Compression {
    NONE(""),
    GZIP(".gz"),
    BZIP2(".bz2"),
    ZSTD(".zst");

    private final String extension;

    Compression(String extension) {
        this.extension = extension;
    }

    public static Compression forName(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        for (Compression c : values()) {
            if (c != NONE && lower.endsWith(c.extension)) {
                return c;
            }
        }
        if (lower.endsWith(".zstd")) {
            return ZSTD;
        }
        return NONE;
    }

    /** The file name without this compression's extension: {@code a.jsonl.gz} gives {@code a.jsonl}. */
    public String strip(String name) {
        if (this == NONE) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    public InputStream decompress(InputStream raw) throws IOException {
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        switch (this) {
            case GZIP:
                return new GZIPInputStream(in, 1 << 16);
            case BZIP2:
                return new BZip2CompressorInputStream(in, true);
            case ZSTD:
                ZstdInputStream zstd = new ZstdInputStream(in);
                zstd.setContinuous(false);
                return zstd;
            default:
                return in;
        }
    }
}
