package io.lmforge.ingest;

import org.jsoup.parser.Parser;

import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Wikitext to plain text, for training data rather than display: what a reader would read as the
 * article's prose stays, everything else goes.
 *
 * <p>Removed: comments; references ({@code <ref>...</ref>}, {@code <ref/>}, {@code <references/>});
 * galleries, timelines, maps, math and similar extension blocks; templates and parser functions
 * ({@code {{...}}}, nested, and template parameters {@code {{{...}}}}); tables ({@code {| ... |}},
 * nested); file, image, media and category links (by the wiki's own namespace names as well as the
 * English ones), with their captions; interlanguage links ({@code [[de:Berlin]]}); bold and italic
 * quotes; behaviour switches ({@code __TOC__}); horizontal rules. Links keep what they show:
 * {@code [[Target|label]]} becomes "label", {@code [[Target]]} "Target", {@code [http://x label]}
 * "label". Headings stay as lines of their own; list markers go, list items stay as lines. HTML tags
 * go but keep their text ({@code <br>} ends a line); HTML entities are decoded.
 *
 * <p>No Java wikitext library is well kept today (Sweble, Bliki and WikiClean have had no release
 * for years) and the full ones render HTML, which is far slower than stripping: this is a small
 * linear-time stripper, tested on real articles.
 */
final class Wikitext {
    /** Extension tags dropped with their content. */
    private static final Set<String> DROPPED_TAGS = Set.of(
            "ref", "references", "gallery", "timeline", "imagemap", "math", "chem", "ce", "score", "graph",
            "mapframe", "maplink", "templatedata", "templatestyles", "hiero", "inputbox", "categorytree",
            "charinsert", "indicator", "section", "noinclude");
    /** Tags that are removed while their content stays. */
    private static final Set<String> KEPT_TAGS = Set.of(
            "nowiki", "pre", "code", "syntaxhighlight", "source", "poem", "blockquote", "span", "div", "small", "big",
            "sub", "sup", "b", "i", "u", "s", "strike", "del", "ins", "em", "strong", "center", "font", "tt", "abbr",
            "cite", "q", "p", "includeonly", "onlyinclude", "var", "kbd", "samp", "mark", "bdi", "ruby", "rb", "rt",
            "rp", "dfn", "time", "data", "table", "tr", "td", "th", "caption", "ul", "ol", "li", "dl", "dt", "dd",
            "h1", "h2", "h3", "h4", "h5", "h6", "hr", "wbr", "br", "translate", "languages", "tvar");
    /** Tags whose boundaries are line breaks. */
    private static final Set<String> LINE_TAGS = Set.of(
            "br", "p", "div", "li", "tr", "dd", "dt", "blockquote", "pre", "poem", "h1", "h2", "h3", "h4", "h5", "h6",
            "hr", "table", "ul", "ol", "dl", "center");
    /** English names of the namespaces whose links are not text; a wiki's own names are added per dump. */
    static final Set<String> ENGLISH_NON_TEXT_LINKS = Set.of("file", "image", "media", "category");
    private static final Pattern LANGUAGE_PREFIX = Pattern.compile("[a-z]{2,3}(-[a-z0-9]{1,8})*");
    private static final Pattern MEDIA_FILE = Pattern.compile(
            "(?i)\\.(png|jpe?g|gif|svg|tiff?|webp|bmp|xcf|ogg|oga|ogv|webm|mp3|wav|flac|midi?|pdf|djvu|stl)\\s*$");
    private static final Pattern URL_START = Pattern.compile("(?i)(https?:|ftp:|ftps:|mailto:|news:|irc:|//)");
    private static final Pattern HEADING = Pattern.compile("^(={1,6})\\s*(.+?)\\s*\\1\\s*$", Pattern.MULTILINE);
    private static final Pattern LIST_MARKERS = Pattern.compile("^[*#:;]+[ \\t]*", Pattern.MULTILINE);
    private static final Pattern RULE = Pattern.compile("^-{4,}[ \\t]*$", Pattern.MULTILINE);
    private static final Pattern QUOTES = Pattern.compile("'{2,}");
    private static final Pattern SWITCHES = Pattern.compile("__[A-Z]+__");
    private static final Pattern TRAILING_SPACE = Pattern.compile("[ \\t]+$", Pattern.MULTILINE);
    private static final Pattern BLANK_LINES = Pattern.compile("\\n{3,}");

    private final Set<String> nonTextLinks;

    /** @param nonTextLinks lower-case namespace names (and aliases) whose links are dropped */
    Wikitext(Set<String> nonTextLinks) {
        this.nonTextLinks = nonTextLinks;
    }

    String toText(String wikitext) {
        String s = removeComments(wikitext);
        s = tags(s);
        s = templatesAndTables(s);
        s = links(s);
        s = externalLinks(s);
        s = HEADING.matcher(s).replaceAll(m -> Matcher.quoteReplacement("\n" + m.group(2) + "\n"));
        s = RULE.matcher(s).replaceAll("");
        s = LIST_MARKERS.matcher(s).replaceAll("");
        s = QUOTES.matcher(s).replaceAll("");
        s = SWITCHES.matcher(s).replaceAll("");
        if (s.indexOf('&') >= 0) {
            s = Parser.unescapeEntities(s, false).replace('\u00a0', ' ');
        }
        s = TRAILING_SPACE.matcher(s).replaceAll("");
        s = BLANK_LINES.matcher(s).replaceAll("\n\n");
        return s.strip();
    }

    private static String removeComments(String s) {
        int open = s.indexOf("<!--");
        if (open < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int from = 0;
        while (open >= 0) {
            out.append(s, from, open);
            int close = s.indexOf("-->", open + 4);
            if (close < 0) {
                return out.toString();
            }
            from = close + 3;
            open = s.indexOf("<!--", from);
        }
        return out.append(s, from, s.length()).toString();
    }

    /** Drops extension blocks with their content; removes other known tags, keeping their text. */
    private static String tags(String s) {
        if (s.indexOf('<') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c != '<') {
                out.append(c);
                i++;
                continue;
            }
            int nameStart = i + 1 + (i + 1 < n && s.charAt(i + 1) == '/' ? 1 : 0);
            int nameEnd = nameStart;
            while (nameEnd < n && Character.isLetterOrDigit(s.charAt(nameEnd))) {
                nameEnd++;
            }
            String name = s.substring(nameStart, nameEnd).toLowerCase(Locale.ROOT);
            int close = s.indexOf('>', nameEnd);
            boolean closing = nameStart == i + 2;
            if (name.isEmpty() || close < 0 || (!DROPPED_TAGS.contains(name) && !KEPT_TAGS.contains(name))) {
                out.append(c);
                i++;
                continue;
            }
            boolean selfClosing = s.charAt(close - 1) == '/';
            if (DROPPED_TAGS.contains(name) && !closing && !selfClosing) {
                int end = indexOfIgnoreCase(s, "</" + name, close + 1);
                if (end < 0) {
                    i = close + 1; // an unclosed block: drop the tag only
                    continue;
                }
                int endClose = s.indexOf('>', end);
                i = endClose < 0 ? n : endClose + 1;
                continue;
            }
            if (LINE_TAGS.contains(name)) {
                out.append('\n');
            }
            i = close + 1;
        }
        return out.toString();
    }

    /** Removes {@code {{...}}} (nested, with {@code {{{...}}}}) and tables {@code {| ... |}}. */
    private static String templatesAndTables(String s) {
        if (s.indexOf('{') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < n && s.charAt(i + 1) == '{') {
                int end = endOfTemplate(s, i);
                if (end < 0) {
                    i += 2; // unbalanced: drop the braces, keep the rest
                } else {
                    i = end;
                }
                continue;
            }
            if (c == '{' && i + 1 < n && s.charAt(i + 1) == '|' && atLineStart(s, i)) {
                i = endOfTable(s, i);
                continue;
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /**
     * Index just past the braces that close the template or parameter opened at {@code start};
     * -1 if none. Runs of braces split as MediaWiki reads them: {@code {{...}}} is a template,
     * {@code {{{...}}}} a parameter, and longer runs nest them ({@code {{{{{x}}}}}} is a template
     * around a parameter).
     */
    private static int endOfTemplate(String s, int start) {
        ArrayDeque<Integer> open = new ArrayDeque<>();
        int i = start;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c != '{' && c != '}') {
                i++;
                continue;
            }
            int run = 1;
            while (i + run < n && s.charAt(i + run) == c) {
                run++;
            }
            if (c == '{') {
                for (int k = run; k >= 2; ) {
                    int unit = k == 2 || k == 4 ? 2 : 3;
                    open.push(unit);
                    k -= unit;
                }
            } else {
                int k = run;
                while (k >= 2 && !open.isEmpty()) {
                    int unit = Math.min(open.pop(), k);
                    k -= unit;
                }
                if (open.isEmpty()) {
                    return i + (run - k);
                }
            }
            i += run;
        }
        return -1;
    }

    /**
     * Index just past the double {@code close} that balances the double {@code open} at
     * {@code start}, counting nested pairs; -1 if none (or, for links, if a blank line comes first:
     * a link never spans paragraphs).
     */
    private static int matching(String s, int start, char open, char close, boolean withinParagraph) {
        int depth = 0;
        int i = start;
        int n = s.length();
        while (i < n - 1) {
            char c = s.charAt(i);
            if (c == open && s.charAt(i + 1) == open) {
                depth++;
                i += 2;
            } else if (c == close && s.charAt(i + 1) == close) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else if (withinParagraph && c == '\n' && s.charAt(i + 1) == '\n') {
                return -1;
            } else {
                i++;
            }
        }
        return -1;
    }

    /** Index just past the line that closes the table opened at {@code start} (or the end). */
    private static int endOfTable(String s, int start) {
        int depth = 0;
        int i = start;
        int n = s.length();
        while (i < n) {
            int lineEnd = s.indexOf('\n', i);
            if (lineEnd < 0) {
                lineEnd = n;
            }
            String line = s.substring(i, lineEnd).stripLeading();
            if (line.startsWith("{|")) {
                depth++;
            } else if (line.startsWith("|}")) {
                depth--;
                if (depth == 0) {
                    return Math.min(n, lineEnd + 1);
                }
            }
            i = lineEnd + 1;
        }
        return n;
    }

    private static boolean atLineStart(String s, int i) {
        int j = i - 1;
        while (j >= 0 && (s.charAt(j) == ' ' || s.charAt(j) == '\t' || s.charAt(j) == ':')) {
            j--;
        }
        return j < 0 || s.charAt(j) == '\n';
    }

    /** Replaces {@code [[...]]} with what it shows, or nothing. */
    private String links(String s) {
        if (s.indexOf("[[") < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            if (s.startsWith("[[", i)) {
                int end = matching(s, i, '[', ']', true);
                if (end < 0) {
                    i += 2;
                    continue;
                }
                out.append(linkText(s.substring(i + 2, end - 2)));
                i = end;
                continue;
            }
            out.append(s.charAt(i));
            i++;
        }
        return out.toString();
    }

    private String linkText(String inner) {
        boolean visible = inner.startsWith(":");
        String body = visible ? inner.substring(1) : inner;
        int pipe = topLevelPipe(body);
        String target = (pipe < 0 ? body : body.substring(0, pipe)).strip();
        int colon = target.indexOf(':');
        if (colon > 0 && !visible) {
            String prefix = target.substring(0, colon).strip().replace('_', ' ').toLowerCase(Locale.ROOT);
            if (nonTextLinks.contains(prefix) || LANGUAGE_PREFIX.matcher(prefix).matches()
                    || MEDIA_FILE.matcher(target).find()) {
                // A media file under a namespace name we were not told of (an alias such as
                // German "Bild:") is still a file, known by its extension.
                return "";
            }
        }
        if (pipe < 0) {
            return target;
        }
        String label = body.substring(pipe + 1);
        if (label.isBlank()) {
            // The pipe trick: [[Paris (France)|]] shows "Paris".
            String shown = colon > 0 ? target.substring(colon + 1) : target;
            int paren = shown.indexOf(" (");
            return (paren > 0 ? shown.substring(0, paren) : shown).strip();
        }
        return links(label);
    }

    private static int topLevelPipe(String s) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("[[", i)) {
                depth++;
                i++;
            } else if (s.startsWith("]]", i)) {
                depth--;
                i++;
            } else if (s.charAt(i) == '|' && depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** {@code [http://x label]} becomes "label"; {@code [http://x]} nothing. Bare URLs stay. */
    private static String externalLinks(String s) {
        if (s.indexOf('[') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        Matcher url = URL_START.matcher(s);
        while (i < n) {
            char c = s.charAt(i);
            if (c == '[' && url.region(i + 1, n).lookingAt()) {
                int close = s.indexOf(']', i);
                int newline = s.indexOf('\n', i);
                if (close > 0 && (newline < 0 || close < newline)) {
                    int space = s.indexOf(' ', i);
                    if (space > 0 && space < close) {
                        out.append(s, space + 1, close);
                    }
                    i = close + 1;
                    continue;
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static int indexOfIgnoreCase(String s, String what, int from) {
        int n = s.length() - what.length();
        for (int i = from; i <= n; i++) {
            if (s.regionMatches(true, i, what, 0, what.length())) {
                return i;
            }
        }
        return -1;
    }
}
