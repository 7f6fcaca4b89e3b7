package io.lmforge.cli.generate;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.lmforge.cli.CheckpointArgs;
import io.lmforge.cli.QuantizeOption;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.generate.Generator;
import io.lmforge.model.generate.Sampling;
import io.lmforge.model.generate.TextGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lmforge generate --checkpoint RUN|RUN/checkpoints/step-N [--prompt TEXT | --prompts FILE.jsonl]}:
 * text from a checkpoint. One prompt streams its text to stdout as it comes; a prompts file runs
 * in batches and prints one JSON line per prompt. Throughput goes to stderr.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generates text from a checkpoint (KV cache; greedy or sampled; batched over a prompts file).")
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true,
            description = "a run directory (its best checkpoint, else the newest) or RUN/checkpoints/step-N")
    Path checkpoint;

    @Option(names = "--prompt", description = "the prompt (default: empty, start from <bos> alone)")
    String prompt;

    @Option(names = "--prompts", description = "JSON lines, one {\"prompt\": \"...\"} per line; prints one JSON line per prompt")
    Path prompts;

    @Option(names = "--max-new-tokens", description = "tokens to generate at most per prompt (default: 128)")
    int maxNewTokens = 128;

    @Option(names = "--temperature", description = "0: greedy (default: 0.7)")
    double temperature = 0.7;

    @Option(names = "--top-k", description = "keep the k most likely tokens; 0: all (default: 0)")
    int topK = 0;

    @Option(names = "--top-p", description = "nucleus: the smallest set of tokens whose probability reaches p (default: 0.92)")
    double topP = 0.92;

    @Option(names = "--repetition-penalty", description = "CTRL-style penalty on tokens already present; 1: none (default: 1.2)")
    double repetitionPenalty = 1.2;

    @Option(names = "--seed", description = "sampling seed; prompt i of a file uses seed + i (default: 1)")
    long seed = 1;

    @Option(names = "--stop", description = "stop a sequence at this string (repeatable); <eos> always stops")
    List<String> stops = new ArrayList<>();

    @Option(names = "--batch-size", description = "prompts of a file per forward pass (default: 8)")
    int batchSize = 8;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: libtorch's, one per core)")
    Integer threads;

    @CommandLine.Mixin
    QuantizeOption quantize;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One prompt of the input and where it came from. */
    private record Prompt(int index, String text) {
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Sampling sampling;
        try {
            sampling = new Sampling(temperature, topK, topP, repetitionPenalty);
        } catch (IllegalArgumentException e) {
            err.println("lmforge: " + e.getMessage());
            return 2;
        }
        if (maxNewTokens < 1 || batchSize < 1) {
            err.println("lmforge: --max-new-tokens and --batch-size must be at least 1");
            return 2;
        }
        List<Prompt> inputs = new ArrayList<>();
        int broken = 0;
        if (prompts != null) {
            if (!Files.isRegularFile(prompts)) {
                err.println("lmforge: input error: prompts file not found: " + prompts);
                return 2;
            }
            broken = readPrompts(prompts, inputs, err);
        }
        if (prompt != null || prompts == null) {
            inputs.add(0, new Prompt(0, prompt == null ? "" : prompt));
        }

        Engine.getInstance();
        if (threads != null) {
            JniUtils.setNumThreads(threads);
        }
        try (CheckpointModel model = CheckpointArgs.load(checkpoint, quantize.quantization())) {
            err.println("checkpoint: " + model.directory());
            TextGenerator generator = model.textGenerator();
            for (Prompt p : List.copyOf(inputs)) {
                String tooLong = generator.contextError(p.text(), maxNewTokens);
                if (tooLong != null && p.index() == 0) {
                    err.println("lmforge: --prompt: " + tooLong + " (--max-new-tokens " + maxNewTokens + ")");
                    return 2;
                } else if (tooLong != null) {
                    inputs.remove(p);
                    broken++;
                    err.printf("lmforge: %s line %d: %s (--max-new-tokens %d); skipped%n", prompts, p.index(), tooLong,
                            maxNewTokens);
                }
            }
            long started = System.nanoTime();
            long newTokens = 0;
            long promptTokens = 0;
            long prefillNanos = 0;
            long decodeNanos = 0;
            if (prompts == null) {
                TextGenerator.Result r = generator.generate(List.of(inputs.get(0).text()), maxNewTokens, sampling, seed,
                        stops, (i, text) -> {
                            out.print(text);
                            out.flush();
                        });
                out.println();
                out.flush();
                newTokens = r.tokens().newTokens();
                promptTokens = r.completions().get(0).promptTokens();
                prefillNanos = r.tokens().prefillNanos();
                decodeNanos = r.tokens().decodeNanos();
            } else {
                Gson gson = new Gson();
                for (int from = 0; from < inputs.size(); from += batchSize) {
                    List<Prompt> batch = inputs.subList(from, Math.min(inputs.size(), from + batchSize));
                    TextGenerator.Result r = generator.generate(batch.stream().map(Prompt::text).toList(), maxNewTokens,
                            sampling, seed + from, stops, null);
                    for (int i = 0; i < batch.size(); i++) {
                        TextGenerator.Completion c = r.completions().get(i);
                        Map<String, Object> line = new LinkedHashMap<>();
                        line.put("line", batch.get(i).index());
                        line.put("prompt", batch.get(i).text());
                        line.put("text", c.text());
                        line.put("new_tokens", c.tokens().length);
                        line.put("finish", c.finish().name().toLowerCase(java.util.Locale.ROOT));
                        out.println(gson.toJson(line));
                        promptTokens += c.promptTokens();
                    }
                    out.flush();
                    newTokens += r.tokens().newTokens();
                    prefillNanos += r.tokens().prefillNanos();
                    decodeNanos += r.tokens().decodeNanos();
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            err.printf("%d prompt%s (%,d prompt tokens), %,d new tokens in %.2f s: %.1f tokens/s "
                            + "(prefill %.2f s, decode %.1f tokens/s)%n", inputs.size(), inputs.size() == 1 ? "" : "s",
                    promptTokens, newTokens, seconds, newTokens / seconds, prefillNanos / 1e9,
                    decodeNanos == 0 ? 0 : newTokens / (decodeNanos / 1e9));
            if (broken > 0) {
                err.printf("lmforge: skipped %d broken line%s of %s%n", broken, broken == 1 ? "" : "s", prompts);
            }
            return broken > 0 ? 1 : 0;
        }
    }

    /** Reads the prompts; a line that is not a JSON object with a string "prompt" is reported and skipped. */
    private static int readPrompts(Path file, List<Prompt> into, PrintWriter err) throws IOException {
        int broken = 0;
        int lineNumber = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String why;
                try {
                    JsonElement json = JsonParser.parseString(line);
                    JsonElement p = json.isJsonObject() ? ((JsonObject) json).get("prompt") : null;
                    if (p != null && p.isJsonPrimitive() && p.getAsJsonPrimitive().isString()) {
                        into.add(new Prompt(lineNumber, p.getAsString()));
                        continue;
                    }
                    why = "no string field \"prompt\"";
                } catch (JsonParseException e) {
                    why = "not JSON (" + e.getMessage() + ")";
                }
                broken++;
                err.printf("lmforge: %s line %d: %s; skipped%n", file, lineNumber, why);
            }
        }
        return broken;
    }

    /** Runs the command without the rest of the CLI. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new GenerateCommand()).execute(args));
    }
}
