package io.lmforge.ingest;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** MediaWiki XML dumps in the export-0.11 format, written with StAX, for tests and the sample corpus. */
public final class WikiDumps {
    /** One page: {@code redirect} null unless the page is a redirect. */
    public record Page(long id, int ns, String title, String redirect, String text) {
    }

    private final String base;
    private final Map<Integer, String> namespaces = new LinkedHashMap<>();
    private final List<Page> pages = new ArrayList<>();

    public WikiDumps(String base) {
        this.base = base;
        namespaces.put(-2, "Media");
        namespaces.put(0, "");
        namespaces.put(1, "Talk");
        namespaces.put(4, "Wikipedia");
        namespaces.put(6, "File");
        namespaces.put(10, "Template");
        namespaces.put(14, "Category");
    }

    public WikiDumps page(long id, int ns, String title, String text) {
        pages.add(new Page(id, ns, title, null, text));
        return this;
    }

    public WikiDumps redirect(long id, String title, String target) {
        pages.add(new Page(id, 0, title, target, "#REDIRECT [[" + target + "]]"));
        return this;
    }

    public byte[] xml() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.writeStartElement("mediawiki");
            w.writeDefaultNamespace("http://www.mediawiki.org/xml/export-0.11/");
            w.writeAttribute("version", "0.11");
            w.writeAttribute("xml:lang", "en");
            w.writeStartElement("siteinfo");
            element(w, "sitename", "Wikipedia");
            element(w, "base", base);
            element(w, "generator", "MediaWiki 1.39");
            w.writeStartElement("namespaces");
            for (Map.Entry<Integer, String> ns : namespaces.entrySet()) {
                w.writeStartElement("namespace");
                w.writeAttribute("key", Integer.toString(ns.getKey()));
                w.writeAttribute("case", "first-letter");
                w.writeCharacters(ns.getValue());
                w.writeEndElement();
            }
            w.writeEndElement();
            w.writeEndElement();
            for (Page p : pages) {
                w.writeStartElement("page");
                element(w, "title", p.title());
                element(w, "ns", Integer.toString(p.ns()));
                element(w, "id", Long.toString(p.id()));
                if (p.redirect() != null) {
                    w.writeEmptyElement("redirect");
                    w.writeAttribute("title", p.redirect());
                }
                w.writeStartElement("revision");
                element(w, "id", Long.toString(p.id() * 10));
                element(w, "timestamp", "2004-06-01T00:00:00Z");
                w.writeStartElement("contributor");
                element(w, "username", "Example");
                element(w, "id", "1");
                w.writeEndElement();
                element(w, "model", "wikitext");
                element(w, "format", "text/x-wiki");
                w.writeStartElement("text");
                w.writeAttribute("bytes", Integer.toString(p.text().getBytes(StandardCharsets.UTF_8).length));
                w.writeAttribute("xml:space", "preserve");
                w.writeCharacters(p.text());
                w.writeEndElement();
                w.writeEndElement();
                w.writeEndElement();
                w.writeCharacters("\n");
            }
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    public byte[] bz2() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var out = new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(bytes)) {
            out.write(xml());
        }
        return bytes.toByteArray();
    }

    private static void element(XMLStreamWriter w, String name, String text) throws XMLStreamException {
        w.writeStartElement(name);
        w.writeCharacters(text);
        w.writeEndElement();
    }
}
