package io.lmforge.model.eval;

import io.lmforge.model.generate.TextTokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Raw documents scored with a checkpoint's own tokenizer: each document is {@code <bos>} followed
 * by its tokens; every token after {@code <bos>} is predicted. A document longer than the model's
 * context is scored in consecutive windows of {@code context} predicted tokens, each window
 * starting from the previous window's last token (no overlap, so every token is predicted once,
 * with at most a window's context). Its bytes are the UTF-8 bytes of its text.
 */
public final class DocumentEval {
    /** A document of a JSON-lines file: {@code {"text": ..., "domain": ...}}; domain defaults to "all". */
    public record Document(int line, String text, String domain) {
    }

    private DocumentEval() {
    }

    public static JsonLines.Result<Document> read(Path file) throws IOException {
        return JsonLines.read(file, (json, line) ->
                new Document(line, JsonLines.string(json, "text"), JsonLines.string(json, "domain", "all")));
    }

    /**
     * @param context predicted tokens per forward pass at most (≤ the model's max positions)
     */
    public static List<Unit> score(List<Document> documents, TextTokenizer tokenizer, int bos, LogLikelihood model,
                                   int context) {
        int window = Math.min(context, model.maxSequence() - 1);
        List<int[]> pieces = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        long[] tokens = new long[documents.size()];
        for (int d = 0; d < documents.size(); d++) {
            int[] text = tokenizer.encode(documents.get(d).text());
            int[] ids = new int[text.length + 1];
            ids[0] = bos;
            System.arraycopy(text, 0, ids, 1, text.length);
            tokens[d] = text.length;
            for (int from = 0; from < ids.length - 1; from += window) {
                pieces.add(Arrays.copyOfRange(ids, from, Math.min(ids.length, from + window + 1)));
                owner.add(d);
            }
        }
        double[] nll = new double[documents.size()];
        List<double[]> scored = model.score(pieces);
        for (int i = 0; i < scored.size(); i++) {
            for (double lp : scored.get(i)) {
                nll[owner.get(i)] -= lp;
            }
        }
        List<Unit> units = new ArrayList<>(documents.size());
        for (int d = 0; d < documents.size(); d++) {
            Document doc = documents.get(d);
            units.add(new Unit(doc.domain(), nll[d], tokens[d], doc.text().getBytes(StandardCharsets.UTF_8).length));
        }
        return units;
    }
}
