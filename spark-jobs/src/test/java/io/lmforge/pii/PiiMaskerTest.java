package io.lmforge.pii;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.Settings;
import io.lmforge.corpus.StageResult;
import io.lmforge.testing.StageRows;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PiiMaskerTest {
    final PiiMasker masker = PiiMasker.all();

    @Test
    void eachKindIsReplacedAndCounted() {
        String text = "Mail li.wei@example-mail.de or call +44 20 7946 0958, 手机 13812345678. "
                + "Server 8.26.56.26 and 2606:4700:4700::1111. Card 4111 1111 1111 1111. "
                + "身份证 11010519491231002X. key AKIAIOSFODNN7EXAMPLE token ghp_0123456789abcdefghijABCDEFGHIJ012345\n"
                + "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----";
        PiiMasker.Result r = masker.mask(text);
        assertEquals("Mail <EMAIL> or call <PHONE>, 手机 <PHONE>. Server <IPV4> and <IPV6>. Card ****-****-****-1111. "
                + "身份证 <CN_ID>. key <SECRET> token <SECRET>\n<PRIVATE_KEY>", r.text());
        assertEquals(Map.of("email", 1, "phone", 2, "ipv4", 1, "ipv6", 1, "card", 1, "cn_id", 1, "secret", 2,
                "private_key", 1), r.counts());
    }

    @Test
    void checksumsAndAddressRangesRejectLookalikes() {
        String text = "Order 4111 1111 1111 1112 (bad Luhn), id 110105194912310021 (bad check), "
                + "local 192.168.1.10 and 127.0.0.1, see section 8.2.4.44, x@self.weight, a::b, "
                + "MAX = 2147483647, version 1.2.3.4, server.sendmail('soothsayer@example.org', 'jcaesar@mail.example.com'), "
                // Python's tutorial: the digits of a decimal fraction look like a Chinese mobile number.
                + ">>> '3.14159265359'.zfill(5), "
                // German Wikipedia's literature list (the sample corpus): book numbers, not phones.
                + "Berlin Handbuch - Das Lexikon der Bundeshauptstadt; Berlin 1992, (ISBN 3-927551-27-9), ISBN-13: 978-3-927551-27-3";
        PiiMasker.Result r = masker.mask(text);
        assertEquals(text, r.text(), String.valueOf(r.counts()));
        assertTrue(Checksums.chineseId("11010519491231002X"));
        assertEquals("****-****-***-1234", Checksums.maskCard("378282246311234"));
    }

    @Test
    void realCodeWithoutPersonalDataIsLeftAlone() {
        for (String file : List.of("json/decoder.py", "http/client.py", "pprint.py", "gzip.py", "fractions.py", "difflib.py")) {
            String code = TestData.python(file);
            PiiMasker.Result r = masker.mask(code);
            r.counts().keySet().forEach(k -> assertEquals("email", k, file + ": " + r.counts()));
        }
    }

    @Test
    void stageMasksKeptRowsAndReportsCountsPerKind() {
        PiiStage stage = PiiStage.from(Settings.of(ConfigFactory.parseString(""), "lmforge.corpus", "pii"));
        StageRows rows = new StageRows().prose("a", "write to anna@gmail.com or zhang@qq.com")
                .prose("b", TestData.debianReference("en", 633))
                .code("c", "aws_access_key_id = \"AKIAIOSFODNN7EXAMPLE\"\n", "python");
        StageResult result = stage.apply(rows.dataset(), null);
        Map<String, Row> out = StageRows.byId(result.rows());
        assertEquals("write to <EMAIL> or <EMAIL>", out.get("a").getAs("text"));
        assertEquals("aws_access_key_id = \"<SECRET>\"\n", out.get("c").getAs("text"));
        assertNull(out.get("b").getAs(PiiStage.SIGNAL));
        Map<String, Object> report = result.report().figures(result.rows());
        assertEquals(Map.of("email", 2L, "secret", 1L), report.get("masked"));
        assertEquals(2L, report.get("documents_with_pii"));
        assertFalse(out.get("a").<String>getAs("text").contains("@"));
    }
}
