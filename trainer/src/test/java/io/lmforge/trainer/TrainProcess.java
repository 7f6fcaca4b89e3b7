package io.lmforge.trainer;

import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.dist.spark.DistributedTraining;
import org.apache.hadoop.conf.Configuration;

import java.io.File;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What {@code lmforge train --config C --data D --out R [--distributed N]} does, through the
 * trainer's own API, for tests that train in this JVM or in a child JVM they can kill (the
 * command line itself lives in the cli module, which depends on this one).
 */
public final class TrainProcess {
    private TrainProcess() {
    }

    public static Trainer.Result trainOrNull(Map<String, String> args) throws Exception {
        TrainConfig cfg = TrainConfig.load(new File(args.get("--config")));
        String data = args.get("--data");
        Path out = Path.of(args.get("--out"));
        if (args.containsKey("--distributed")) {
            cfg = new TrainConfig(cfg.model(), cfg.vocabSizeExplicit(), cfg.run(), cfg.optimizer(), cfg.eval(),
                    cfg.checkpoint(), cfg.metrics(), cfg.distributed().withRanks(Integer.parseInt(args.get("--distributed"))),
                    cfg.freeze(), cfg.distill(), cfg.lora());
            DistributedTraining.runOnSpark(cfg, data, out, null, 0, false);
            return null;
        }
        return new Trainer(cfg, ShardManifest.load(data, new Configuration()), out, GradientSync.singleProcess(),
                new Trainer.Options(0, true, System.out)).run();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> pairs = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            pairs.put(args[i], args[i + 1]);
        }
        trainOrNull(pairs);
        System.exit(0);
    }
}
