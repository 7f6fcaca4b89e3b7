package io.lmforge.pii;

import io.lmforge.testing.TestData;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The masker with its prefilters and candidate regions against the masker without them
 * ({@link ReferencePiiMasker}, the code as it was): the same masked text and counts on every
 * section of the Debian Reference in ten languages, the Russian man pages, Python's standard
 * library, and real text with values of every kind written into it.
 */
class PiiMaskerEqualityTest {

    static List<String> realTexts() {
        List<String> texts = new ArrayList<>();
        for (String lang : List.of("en", "de", "fr", "es", "it", "pt", "id", "ja", "zh-cn", "zh-tw")) {
            texts.addAll(TestData.debianReference(lang));
        }
        texts.addAll(TestData.records("multilang/manpages-ru.jsonl").values());
        texts.addAll(TestData.texts("pkg/libpython3.11-stdlib", ".py", 300));
        return texts;
    }

    /** Values of every kind, and look-alikes, in the ways people write them. */
    static final List<String> PLANTED = List.of(
            "li.wei@example-mail.de", "x@self.weight", "jcaesar@example.org", "a@b.com@c.org", "first.last+tag@sub.mail.co.uk",
            "+44 20 7946 0958", "(415) 555-2671", "13812345678", "+86 138 1234 5678", "2147483647", "3.14159265359",
            "ISBN 3-927551-27-9", "+43 1 234567", "555-0100", "+49/89/1234567", "1500 - 1599",
            "8.26.56.26", "IP 8.2.4.44", "section 8.2.4.44", "192.168.1.10", "version 1.2.3.4.5",
            "2606:4700:4700::1111", "a::b", "fe80::1", "2001:db8::1",
            "4111 1111 1111 1111", "4111-1111-1111-1112", "5500 0000 0000 0004", "3782 822463 10005",
            "11010519491231002X", "110105194912310021",
            "AKIAIOSFODNN7EXAMPLE", "ghp_0123456789abcdefghijABCDEFGHIJ012345", "xoxb-1234567890-abcdefghij",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AIzaSyA-1234567890abcdefghijklmnopqrstu", "sk_live_0123456789abcdefghijklmn", "glpat-0123456789abcdefghij",
            "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----");

    @Test
    void sameMasksAndCountsOnRealTextAndPlantedValues() {
        PiiMasker masker = PiiMasker.all();
        ReferencePiiMasker reference = ReferencePiiMasker.all();
        List<String> texts = realTexts();
        java.util.Random random = new java.util.Random(7);
        List<String> planted = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String carrier = texts.get(random.nextInt(texts.size()));
            StringBuilder b = new StringBuilder(carrier.substring(0, Math.min(carrier.length(), 3000)));
            for (int k = 0; k < 4; k++) {
                int at = random.nextInt(b.length() + 1);
                String sep = List.of(" ", "\n", ": ", " (", "").get(random.nextInt(5));
                b.insert(at, sep + PLANTED.get(random.nextInt(PLANTED.size())) + sep);
            }
            planted.add(b.toString());
        }
        texts.addAll(planted);
        int withPii = 0;
        long newNanos = 0;
        long oldNanos = 0;
        for (String text : texts) {
            long t0 = System.nanoTime();
            ReferencePiiMasker.Result want = reference.mask(text);
            long t1 = System.nanoTime();
            PiiMasker.Result got = masker.mask(text);
            newNanos += System.nanoTime() - t1;
            oldNanos += t1 - t0;
            assertEquals(want.text(), got.text());
            assertEquals(want.counts(), got.counts());
            withPii += want.counts().isEmpty() ? 0 : 1;
        }
        System.out.printf("pii equality: %d texts, %d with finds; reference %.1f s, masker %.1f s%n", texts.size(), withPii,
                oldNanos / 1e9, newNanos / 1e9);
        assertTrue(texts.size() > 5000 && withPii > 700, texts.size() + " texts, " + withPii + " with finds");
        Map<String, Integer> counts = masker.mask(String.join("\n", PLANTED)).counts();
        assertEquals(ReferencePiiMasker.all().mask(String.join("\n", PLANTED)).counts(), counts);
    }
}
