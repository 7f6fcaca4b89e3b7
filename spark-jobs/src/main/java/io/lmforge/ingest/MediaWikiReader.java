package io.lmforge.ingest;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * MediaWiki XML dumps ({@code pages-articles.xml}, plain or .bz2/.gz), streamed with StAX one
 * {@code <page>} at a time: a dump is never in memory whole, and a page's text is accumulated only
 * up to the size limit.
 *
 * <p>Each page is one input record: id = page id, title, url = the dump's {@code <base>} with the
 * title, offset = the page's index in the file (0 for the first page), text = the last revision's
 * wikitext through {@link Wikitext}. Rejected: redirects ({@code redirect}, detail: the target),
 * pages outside the allowed namespaces ({@code namespace}; option {@code namespaces}, a list of
 * namespace numbers, default {@code [0]}: articles), pages with no text left ({@code empty_text}).
 * A page over the size limit is quarantined. XML that stops parsing (truncated, malformed)
 * quarantines the rest of the file from the page it was in; the pages before it are kept.
 */
final class MediaWikiReader implements RecordReader {
    private final InputFile file;
    private final InputStream in;
    private final XMLStreamReader xml;
    private final Set<Integer> namespaces;
    private final long maxBytes;
    private final Map<Integer, String> namespaceNames = new HashMap<>();
    private Wikitext wikitext;
    private String urlPrefix;
    private long page;

    private MediaWikiReader(InputFile file) throws IOException {
        this.file = file;
        this.namespaces = parseNamespaces(file.source().option("namespaces", "0"));
        this.maxBytes = file.source().maxRecordBytes();
        this.in = file.openDecompressed();
        try {
            this.xml = factory().createXMLStreamReader(in);
        } catch (XMLStreamException e) {
            in.close();
            throw new IOException("not XML: " + e.getMessage(), e);
        }
    }

    static RecordReaderFactory factory(SourceConfig source) {
        parseNamespaces(source.option("namespaces", "0"));
        return MediaWikiReader::new;
    }

    static Set<Integer> parseNamespaces(String value) {
        Set<Integer> out = new HashSet<>();
        for (String part : value.split("[,\\s]+")) {
            if (!part.isEmpty()) {
                try {
                    out.add(Integer.parseInt(part));
                } catch (NumberFormatException e) {
                    throw new io.lmforge.config.InvalidConfigException("namespaces: '" + part + "' is not a namespace number");
                }
            }
        }
        return out;
    }

    private static XMLInputFactory factory() {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, false);
        // With DTDs off no entity can expand, so the JDK's entity-size accounting (which counts
        // &lt; and &amp; too, and stops a full Wikipedia dump at 50 million) is only in the way.
        for (String limit : new String[]{"http://www.oracle.com/xml/jaxp/properties/totalEntitySizeLimit",
                "http://www.oracle.com/xml/jaxp/properties/maxGeneralEntitySizeLimit"}) {
            try {
                f.setProperty(limit, "0");
            } catch (IllegalArgumentException e) {
                // Not the JDK's parser: it has no such limit.
            }
        }
        return f;
    }

    /** What one {@code <page>} held. */
    private static final class Page {
        String title;
        String id;
        int ns;
        String redirect;
        StringBuilder text = new StringBuilder();
        long textBytes;
        boolean oversize;
    }

    @Override
    public boolean next(RecordSink sink) throws IOException {
        try {
            while (xml.hasNext()) {
                int event = xml.next();
                if (event != XMLStreamConstants.START_ELEMENT) {
                    continue;
                }
                String name = xml.getLocalName();
                if (name.equals("siteinfo")) {
                    siteinfo();
                } else if (name.equals("page")) {
                    report(readPage(), sink);
                    page++;
                    return true;
                }
            }
            return false;
        } catch (XMLStreamException e) {
            throw new IOException("malformed or truncated XML in page " + page + ": " + e.getMessage(), e);
        }
    }

    private void siteinfo() throws XMLStreamException {
        Set<String> nonText = new HashSet<>(Wikitext.ENGLISH_NON_TEXT_LINKS);
        while (xml.hasNext()) {
            int event = xml.next();
            if (event == XMLStreamConstants.END_ELEMENT && xml.getLocalName().equals("siteinfo")) {
                break;
            }
            if (event != XMLStreamConstants.START_ELEMENT) {
                continue;
            }
            if (xml.getLocalName().equals("base")) {
                String base = xml.getElementText().strip();
                int slash = base.lastIndexOf('/');
                urlPrefix = slash > 0 ? base.substring(0, slash + 1) : null;
            } else if (xml.getLocalName().equals("namespace")) {
                int key = Integer.parseInt(xml.getAttributeValue(null, "key"));
                String ns = xml.getElementText().strip();
                namespaceNames.put(key, ns);
                if (key == 6 || key == 14 || key == -2) {
                    nonText.add(ns.toLowerCase(Locale.ROOT));
                }
            }
        }
        wikitext = new Wikitext(nonText);
    }

    private Page readPage() throws XMLStreamException {
        Page p = new Page();
        int depth = 1;
        boolean inRevision = false;
        while (depth > 0) {
            int event = xml.next();
            if (event == XMLStreamConstants.END_ELEMENT) {
                depth--;
                if (xml.getLocalName().equals("revision")) {
                    inRevision = false;
                }
                continue;
            }
            if (event != XMLStreamConstants.START_ELEMENT) {
                continue;
            }
            String name = xml.getLocalName();
            if (depth == 1 && name.equals("title")) {
                p.title = xml.getElementText();
            } else if (depth == 1 && name.equals("ns")) {
                p.ns = Integer.parseInt(xml.getElementText().strip());
            } else if (depth == 1 && name.equals("id")) {
                p.id = xml.getElementText().strip();
            } else if (depth == 1 && name.equals("redirect")) {
                p.redirect = xml.getAttributeValue(null, "title");
                depth++;
            } else if (inRevision && name.equals("text")) {
                readText(p);
            } else {
                if (name.equals("revision")) {
                    inRevision = true;
                }
                depth++;
            }
        }
        return p;
    }

    /** Accumulates a revision's text up to the size limit; a later revision replaces an earlier one. */
    private void readText(Page p) throws XMLStreamException {
        p.text.setLength(0);
        p.textBytes = 0;
        p.oversize = false;
        while (true) {
            int event = xml.next();
            if (event == XMLStreamConstants.END_ELEMENT) {
                return;
            }
            if (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA
                    || event == XMLStreamConstants.SPACE || event == XMLStreamConstants.ENTITY_REFERENCE) {
                if (p.oversize) {
                    p.textBytes += xml.getTextLength();
                    continue;
                }
                char[] chars = xml.getTextCharacters();
                int start = xml.getTextStart();
                int length = xml.getTextLength();
                p.textBytes += utf8Length(chars, start, length);
                if (p.textBytes > maxBytes) {
                    p.oversize = true;
                    p.text.setLength(0);
                } else {
                    p.text.append(chars, start, length);
                }
            }
        }
    }

    private static long utf8Length(char[] chars, int start, int length) {
        long n = 0;
        for (int i = start; i < start + length; i++) {
            char c = chars[i];
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    private void report(Page p, RecordSink sink) {
        if (wikitext == null) {
            wikitext = new Wikitext(Wikitext.ENGLISH_NON_TEXT_LINKS);
        }
        String label = "page " + p.id + " '" + p.title + "'";
        if (p.oversize) {
            sink.quarantine(page, label + ": wikitext of over " + maxBytes + " bytes is over the limit (max-record-bytes)",
                    null);
            return;
        }
        RawRecord record = RawRecord.at(page).id(p.id).title(p.title)
                .url(urlPrefix == null || p.title == null ? null : urlPrefix + p.title.replace(' ', '_'))
                .meta("namespace", Integer.toString(p.ns));
        if (!namespaces.contains(p.ns)) {
            String nsName = namespaceNames.get(p.ns);
            sink.reject(record, "namespace", "namespace " + p.ns + (nsName == null || nsName.isEmpty() ? "" : " (" + nsName + ")")
                    + " is not in namespaces " + new TreeSet<>(namespaces));
            return;
        }
        String raw = p.text.toString();
        if (p.redirect != null || isRedirect(raw)) {
            sink.reject(record, "redirect", p.redirect != null ? p.redirect : redirectTarget(raw));
            return;
        }
        String text = wikitext.toText(raw);
        record.text(text);
        if (text.isBlank()) {
            sink.reject(record, "empty_text", "no text left once markup is removed");
        } else {
            sink.keep(record);
        }
    }

    /** Dumps mark redirects with {@code <redirect>}; old ones only by the text's first word. */
    private static boolean isRedirect(String raw) {
        String head = raw.stripLeading();
        return head.length() > 9 && head.regionMatches(true, 0, "#REDIRECT", 0, 9);
    }

    private static String redirectTarget(String raw) {
        int open = raw.indexOf("[[");
        int close = open < 0 ? -1 : raw.indexOf("]]", open);
        return close < 0 ? null : raw.substring(open + 2, close);
    }

    @Override
    public long position() {
        return page;
    }

    @Override
    public void close() throws IOException {
        try {
            xml.close();
        } catch (XMLStreamException e) {
            // Closing releases parser state only; the stream is closed below.
        }
        in.close();
    }
}
