package io.lmforge.model.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * Text in, text out, for a batch of prompts: each prompt becomes {@code <bos>} + its tokens (an
 * empty prompt is {@code <bos>} alone), the {@link Generator} runs them together, and each
 * sequence's tokens become text through a {@link TextStream} that ends the sequence at a stop
 * string. The library API that the {@code generate} command and serving build on.
 */
public final class TextGenerator {
    private final Generator generator;
    private final TextTokenizer tokenizer;
    private final int bos;
    private final int eos;
    private final int pad;

    /** Receives text as it becomes final, per prompt. */
    @FunctionalInterface
    public interface TextListener {
        void onText(int prompt, String text);
    }

    /**
     * One prompt's completion.
     *
     * @param promptTokens tokens the prompt took, {@code <bos>} included
     * @param tokens       the new tokens (up to and including the one that completed a stop string)
     */
    public record Completion(String text, int promptTokens, int[] tokens, Generator.Finish finish) {
    }

    /** The completions and the batch's timings. */
    public record Result(List<Completion> completions, Generator.Result tokens) {
    }

    /** @param pad the id of padding slots; any id works, padding is masked out */
    public TextGenerator(Generator generator, TextTokenizer tokenizer, int bos, int eos, int pad) {
        this.generator = generator;
        this.tokenizer = tokenizer;
        this.bos = bos;
        this.eos = eos;
        this.pad = pad;
    }

    public int[] promptTokens(String prompt) {
        int[] ids = tokenizer.encode(prompt);
        int[] out = new int[ids.length + 1];
        out[0] = bos;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /**
     * Null when the prompt ({@code <bos>} included) and {@code maxNewTokens} new tokens fit the
     * model's context (max-positions), else why not. The server answers 400 for the same rule;
     * nothing is truncated, since positions past the context were never trained.
     */
    public String contextError(String prompt, int maxNewTokens) {
        return contextError(promptTokens(prompt).length, maxNewTokens);
    }

    private String contextError(int promptTokens, int maxNewTokens) {
        int context = generator.context();
        return switch (ContextFit.of(promptTokens, maxNewTokens, context)) {
            case PROMPT_TOO_LONG -> "the model's maximum context length is " + context + " tokens, but the prompt has "
                    + promptTokens + " tokens (<bos> included)";
            case TOO_MANY_NEW_TOKENS -> "the model's maximum context length is " + context + " tokens, but "
                    + (promptTokens + maxNewTokens) + " were requested (" + promptTokens + " in the prompt, <bos> included, "
                    + maxNewTokens + " new tokens); lower the new tokens or shorten the prompt";
            case FITS -> null;
        };
    }

    /**
     * @param seed     prompt i samples with seed + i (the same text alone or in any batch position i)
     * @param stops    strings that end a sequence (not included in its text)
     * @param listener text as it comes; null for none
     * @throws IllegalArgumentException when a prompt and its new tokens do not fit the context ({@link #contextError})
     */
    public Result generate(List<String> prompts, int maxNewTokens, Sampling sampling, long seed, List<String> stops,
                           TextListener listener) {
        int[][] ids = new int[prompts.size()][];
        List<TextStream> streams = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            ids[i] = promptTokens(prompts.get(i));
            String tooLong = contextError(ids[i].length, maxNewTokens);
            if (tooLong != null) {
                throw new IllegalArgumentException("prompt " + i + ": " + tooLong);
            }
            streams.add(new TextStream(tokenizer, stops));
        }
        Generator.Result r = generator.generate(ids, maxNewTokens, sampling, seed, eos, pad, (seq, token) -> {
            TextStream s = streams.get(seq);
            String piece = s.push(token);
            if (listener != null && !piece.isEmpty()) {
                listener.onText(seq, piece);
            }
            return !s.stopped();
        });
        List<Completion> out = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            String rest = streams.get(i).finish();
            if (listener != null && !rest.isEmpty()) {
                listener.onText(i, rest);
            }
            Generator.Output o = r.outputs()[i];
            out.add(new Completion(streams.get(i).text(), ids[i].length, o.tokens(), o.finish()));
        }
        return new Result(out, r);
    }
}
