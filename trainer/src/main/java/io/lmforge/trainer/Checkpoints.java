package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import io.lmforge.model.checkpoint.CheckpointFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoints under {@code RUN/checkpoints/step-NNNNNNNN/}: the parameters and the AdamW moments
 * as safetensors (readable by PyTorch's {@code safetensors.torch.load_file}), and
 * {@code state.json} with the step, data positions and the SHA-256 of every file; with them the model
 * part that inference reads ({@code config.json}, the tokenizer: see {@link CheckpointFiles}).
 *
 * <p>Writes are atomic: everything goes to a hidden temporary directory, is fsynced, and the
 * directory is renamed into place, so a process killed mid-write leaves only a temporary
 * directory (removed on the next start) and the previous checkpoints intact. Loading checks the
 * hashes and falls back to the newest checkpoint that verifies. The newest {@code keep} are kept.
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    private static final String TEMP_PREFIX = ".tmp-";
    private static final long MAX_FILE_BYTES = 1L << 30;   // DJL's safetensors writer uses int offsets
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    /** Test hook: {@code -Dlmforge.checkpoint.pause-after-tensors=STEP} stalls that write halfway. */
    static final String PAUSE_PROPERTY = "lmforge.checkpoint.pause-after-tensors";

    private final Path dir;

    public Checkpoints(Path runDir) {
        this.dir = runDir.resolve("checkpoints");
    }

    public Path directory() {
        return dir;
    }

    /** A checkpoint read back: its state and tensors (attached to the manager given to {@link #load}). */
    public record Loaded(Path path, CheckpointState state, NDList model, NDList optimizer) {
    }

    /** The directory of the checkpoint of {@code step}. */
    public Path pathOf(long step) {
        return dir.resolve(CheckpointFiles.stepName(step));
    }

    /** Writes a checkpoint atomically and returns its directory. */
    public Path save(CheckpointState state, NDList model, NDList optimizer) {
        return save(state, model, optimizer, Map.of());
    }

    /**
     * The same with more files (name to contents): the model config and tokenizer that make the
     * checkpoint self-contained ({@code ModelFiles}); they are hashed in state.json like the tensors.
     */
    public Path save(CheckpointState state, NDList model, NDList optimizer, Map<String, byte[]> files) {
        Path target = pathOf(state.step());
        String name = target.getFileName().toString();
        Path temp = dir.resolve(TEMP_PREFIX + name + "-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(dir);
            deleteTree(temp);
            Files.createDirectories(temp);
            Map<String, String> hashes = new LinkedHashMap<>();
            hashes.putAll(writeTensors(temp, "model", model));
            hashes.putAll(writeTensors(temp, "optimizer", optimizer));
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                writeSynced(temp.resolve(f.getKey()), f.getValue());
                hashes.put(f.getKey(), CheckpointFiles.sha256(f.getValue()));
            }
            pauseIfAsked(state.step(), temp);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("format", 1);
            json.put("state", state);
            json.put("files", hashes);
            writeSynced(temp.resolve("state.json"), GSON.toJson(json).getBytes(StandardCharsets.UTF_8));
            fsyncDirectory(temp);
            if (Files.exists(target)) {
                // Re-saving a step (a resumed run reaching it again): replace the old copy.
                deleteTree(target);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the checkpoint filesystem cannot rename atomically: " + dir, e);
            }
            fsyncDirectory(dir);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint " + target, e);
        }
    }

    /** Deletes all but the newest {@code keep} checkpoints, never {@code protectedStep} (the best one). */
    public void prune(int keep, long protectedStep) {
        List<Path> all = list();
        for (int i = 0; i < all.size() - keep; i++) {
            Path p = all.get(i);
            if (step(p) != protectedStep) {
                deleteQuietly(p);
            }
        }
    }

    /** Deletes every checkpoint (a run started with --fresh). */
    public void deleteAll() {
        for (Path p : list()) {
            deleteQuietly(p);
        }
    }

    /** Removes temporary directories left by a process killed while writing. */
    public void removeIncomplete() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
            for (Path p : s) {
                LOG.warn("removing incomplete checkpoint {} (a process stopped while writing it)", p);
                deleteQuietly(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Complete checkpoints, oldest first. */
    public List<Path> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> CheckpointFiles.step(p) >= 0)
                    .sorted(Comparator.comparingLong(Checkpoints::step)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The newest checkpoint whose files verify, or empty; broken ones are reported and skipped. */
    public Optional<Loaded> loadLatest(NDManager manager) {
        List<Path> all = new ArrayList<>(list());
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                return Optional.of(load(all.get(i), manager));
            } catch (IOException | RuntimeException e) {
                LOG.warn("checkpoint {} is unusable ({}); trying the previous one", all.get(i), e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Reads and verifies one checkpoint directory. */
    public Loaded load(Path path, NDManager manager) throws IOException {
        Map<String, Object> json;
        String text = Files.readString(path.resolve("state.json"));
        try {
            json = GSON.fromJson(text, new TypeToken<Map<String, Object>>() { }.getType());
        } catch (JsonParseException e) {
            throw new IOException(path.resolve("state.json") + ": " + e.getMessage(), e);
        }
        @SuppressWarnings("unchecked")
        Map<String, String> files = (Map<String, String>) json.get("files");
        for (Map.Entry<String, String> f : files.entrySet()) {
            String actual = CheckpointFiles.sha256(path.resolve(f.getKey()));
            if (!actual.equals(f.getValue())) {
                throw new IOException(path.resolve(f.getKey()) + " has SHA-256 " + actual + ", state.json says " + f.getValue());
            }
        }
        CheckpointState state = GSON.fromJson(GSON.toJsonTree(json.get("state")), CheckpointState.class);
        return new Loaded(path, state, readTensors(path, "model", files, manager), readTensors(path, "optimizer", files, manager));
    }

    private static NDList readTensors(Path dir, String prefix, Map<String, String> files, NDManager manager) throws IOException {
        NDList out = new NDList();
        for (String name : files.keySet()) {
            if (name.startsWith(prefix) && name.endsWith(".safetensors")) {
                try (InputStream in = Files.newInputStream(dir.resolve(name))) {
                    out.addAll(NDList.decode(manager, in));
                }
            }
        }
        return out;
    }

    /** Writes arrays as one or more safetensors files of at most 1 GiB; returns file name to SHA-256. */
    private static Map<String, String> writeTensors(Path dir, String prefix, NDList arrays) throws IOException {
        List<NDList> parts = new ArrayList<>();
        NDList current = new NDList();
        long bytes = 0;
        for (NDArray a : arrays) {
            long size = a.size() * a.getDataType().getNumOfBytes();
            if (!current.isEmpty() && bytes + size > MAX_FILE_BYTES) {
                parts.add(current);
                current = new NDList();
                bytes = 0;
            }
            current.add(a);
            bytes += size;
        }
        parts.add(current);
        Map<String, String> hashes = new LinkedHashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            String name = parts.size() == 1 ? prefix + ".safetensors"
                    : String.format("%s-%05d-of-%05d.safetensors", prefix, i + 1, parts.size());
            Path file = dir.resolve(name);
            MessageDigest digest = sha256();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = new java.security.DigestOutputStream(
                         new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 20), digest)) {
                parts.get(i).encode(out, NDList.Encoding.SAFETENSORS);
                out.flush();
                channel.force(true);
            }
            hashes.put(name, HexFormat.of().formatHex(digest.digest()));
        }
        return hashes;
    }

    private static void writeSynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(bytes));
            channel.force(true);
        }
    }

    private static void fsyncDirectory(Path d) {
        try (FileChannel channel = FileChannel.open(d, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some filesystems cannot open a directory for fsync; the rename is still atomic there.
            LOG.debug("cannot fsync directory {}: {}", d, e.getMessage());
        }
    }

    private static void pauseIfAsked(long step, Path temp) {
        String at = System.getProperty(PAUSE_PROPERTY);
        if (at != null && Long.parseLong(at) == step) {
            System.err.println("lmforge: checkpoint write paused at step " + step + " in " + temp + " (fault injection)");
            System.err.flush();
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static long step(Path checkpoint) {
        return CheckpointFiles.step(checkpoint);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            deleteTree(p);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", p, e.getMessage());
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
