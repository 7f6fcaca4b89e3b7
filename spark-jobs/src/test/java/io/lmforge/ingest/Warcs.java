package io.lmforge.ingest;

import org.netpreserve.jwarc.HttpRequest;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcCompression;
import org.netpreserve.jwarc.WarcConversion;
import org.netpreserve.jwarc.WarcMetadata;
import org.netpreserve.jwarc.WarcRecord;
import org.netpreserve.jwarc.WarcRequest;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcRevisit;
import org.netpreserve.jwarc.WarcWriter;
import org.netpreserve.jwarc.Warcinfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** WARC records and files written with jwarc's own builders and {@link WarcWriter}, for tests and samples. */
public final class Warcs {
    static final Instant DATE = Instant.parse("2024-05-01T12:00:00Z");

    private Warcs() {
    }

    public static Warcinfo warcinfo(String filename) {
        return new Warcinfo.Builder().date(DATE).filename(filename)
                .fields(Map.of("software", List.of("lmforge tests (jwarc)"), "format", List.of("WARC File Format 1.1")))
                .build();
    }

    public static WarcRequest request(String url) {
        try {
            return new WarcRequest.Builder(URI.create(url)).date(DATE)
                    .body(new HttpRequest.Builder("GET", URI.create(url)).addHeader("User-Agent", "lmforge-test").build())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An HTTP response record; {@code contentType} null leaves the header out. */
    public static WarcResponse response(String url, int status, String contentType, byte[] body) {
        try {
            HttpResponse.Builder http = new HttpResponse.Builder(status, status == 200 ? "OK" : "Other");
            http.body(contentType == null ? null : MediaType.parse(contentType), body);
            return new WarcResponse.Builder(URI.create(url)).date(DATE).body(http.build()).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static WarcResponse html(String url, String html) {
        return response(url, 200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    public static WarcMetadata metadata(String url) {
        return new WarcMetadata.Builder().date(DATE).targetURI(url)
                .fields(Map.of("fetchTimeMs", List.of("42"))).build();
    }

    public static WarcRevisit revisit(String url, String original) {
        try {
            return new WarcRevisit.Builder(url, URI.create("http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"))
                    .date(DATE).refersTo(URI.create("urn:uuid:00000000-0000-0000-0000-000000000001"), original, DATE)
                    .body(new HttpResponse.Builder(200, "OK").addHeader("Content-Type", "text/html").build())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A WET record: the extracted text of a page. */
    public static WarcConversion conversion(String url, byte[] text) {
        return new WarcConversion.Builder().date(DATE).addHeader("WARC-Target-URI", url)
                .addHeader("WARC-Identified-Content-Language", "eng")
                .body(MediaType.parse("text/plain"), text).build();
    }

    /** Records as Common Crawl writes them: each its own gzip member. */
    public static byte[] gzipped(WarcRecord... records) {
        return write(WarcCompression.GZIP, records);
    }

    public static byte[] plain(WarcRecord... records) {
        return write(WarcCompression.NONE, records);
    }

    private static byte[] write(WarcCompression compression, WarcRecord... records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (WarcWriter writer = new WarcWriter(Channels.newChannel(out), compression)) {
            for (WarcRecord r : records) {
                writer.write(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static String id(WarcRecord r) {
        return "<" + r.id() + ">";
    }
}
