package io.lmforge.ingest;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** HTML and wikitext to text, case by case (no Spark). */
class ExtractionTest {
    private static String html(String body) throws IOException {
        byte[] bytes = ("<html><head><title>t</title></head><body>" + body + "</body></html>").getBytes(StandardCharsets.UTF_8);
        return HtmlText.extract(bytes, 0, bytes.length, "utf-8", "").text();
    }

    @Test
    void htmlKeepsWordsApartAndBlocksOnTheirLines() throws IOException {
        assertEquals("foobar and baz", html("<b>foo</b>bar <i>and</i>\n  baz"));
        assertEquals("one\n\ntwo", html("<p>one</p><p>two</p>"));
        assertEquals("a\nb\n\nc", html("a<br>b<br><br>c"));
        assertEquals("cell\tcell2\nnext\trow", html("<table><tr><td>cell</td><td>cell2</td></tr><tr><td>next</td><td>row</td></tr></table>"));
        assertEquals("Title\n\nText.", html("<h1>Title</h1>Text."));
        assertEquals("before\nafter", html("before<nav>Home | About</nav>after"));
        assertEquals("halfhalf", html("half<script>x()</script>half"));
        assertEquals("def f():\n    return 1", html("<pre>def f():\n    return 1</pre>"));
        assertEquals("shown", html("shown<div hidden>hidden</div><span aria-hidden=\"true\">icon</span>"));
        assertEquals("item one\nitem two", html("<ul><li>item one</li><li>item two</li></ul>"));
    }

    private static final Wikitext WIKI = new Wikitext(Set.of("file", "image", "category", "datei", "kategorie"));

    @Test
    void wikitextMarkupIsStrippedAndLinksShowTheirText() {
        assertEquals("Paris is a city.", WIKI.toText("[[Paris (France)|]] is a [[city]]."));
        assertEquals("See Category:Cities.", WIKI.toText("See [[:Category:Cities]]."));
        assertEquals("A  B", WIKI.toText("A {{outer|{{inner|x}}|{{{param|default}}}}} B"));
        assertEquals("Text", WIKI.toText("{| class=x\n| a {| inner |} b\n|-\n{|\n| nested\n|}\n|}\nText"));
        assertEquals("Cited.", WIKI.toText("Cited<ref name=\"a\">Source {{cite|x}}</ref><ref name=\"a\"/>."));
        assertEquals("Caption gone.", WIKI.toText("[[Datei:Karte.png|mini|A [[map]] of it]]Caption gone.[[Kategorie:Stadt]]"));
        assertEquals("x", WIKI.toText("x[[Bild:Flagge.svg|20px]]"), "a file by its extension, whatever the namespace");
        assertEquals("Broken braces stay readable.", WIKI.toText("{{Broken braces stay readable."));
        assertEquals("Intro\n\nSection\n\nBody", WIKI.toText("Intro\n== Section ==\nBody"));
        assertEquals("a < b & c", WIKI.toText("a &lt; b &amp; c"));
        assertEquals("code <here>", WIKI.toText("<code>code <here></code><!-- hidden -->"));
    }
}
