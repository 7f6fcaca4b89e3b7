package io.lmforge.trainer.dist.spark;

import io.lmforge.trainer.dist.Collective;
import io.lmforge.trainer.dist.CollectiveOptions;
import io.lmforge.trainer.dist.DistributedSettings;
import io.lmforge.trainer.dist.PeerAddress;
import io.lmforge.trainer.dist.Rendezvous;
import io.lmforge.trainer.dist.TcpRingCollective;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.List;

/** The body of one barrier task: connect the collective, run the rank, ship its result. */
final class RankTask<R extends Serializable> extends AbstractFunction1<Iterator<Integer>, Iterator<Tuple2<Integer, byte[]>>>
        implements Serializable {
    private static final Logger LOG = LoggerFactory.getLogger(RankTask.class);

    private final DistributedSettings settings;
    private final RankMain<R> main;

    RankTask(DistributedSettings settings, RankMain<R> main) {
        this.settings = settings;
        this.main = main;
    }

    @Override
    public Iterator<Tuple2<Integer, byte[]>> apply(Iterator<Integer> ignored) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int rank = ctx.partitionId();
        int world = ctx.getTaskInfos().length;
        String host = settings.advertised().orElseGet(() -> PeerAddress.parse(ctx.getTaskInfos()[rank].address()).host());
        CollectiveOptions options = settings.collectiveOptions().withCancelled(ctx::isInterrupted);
        List<String> gpus = gpus(ctx);
        Rendezvous rendezvous = new SparkBarrierRendezvous(ctx);
        LOG.info("rank {} of {} (stage {} attempt {}) on executor {} at {}, gpus {}", rank, world, ctx.stageId(),
                ctx.stageAttemptNumber(), executorId(), host, gpus);
        try (Collective collective = connect(rendezvous, host, options, gpus)) {
            R result = main.run(new RankContext(rank, world, collective, ctx.stageAttemptNumber(), executorId(), gpus));
            return CollectionConverters.asScala(List.of(new Tuple2<>(rank, serialize(result))).iterator());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("rank " + rank + " of " + world + " failed: " + e, e);
        }
    }

    private Collective connect(Rendezvous rendezvous, String host, CollectiveOptions options, List<String> gpus) {
        return switch (settings.backend()) {
            case TCP -> rendezvous.worldSize() == 1 ? new io.lmforge.trainer.dist.SoloCollective()
                    : TcpRingCollective.connect(rendezvous, host, options);
            case NCCL -> io.lmforge.trainer.dist.nccl.NcclCollective.connect(rendezvous, options,
                    RankContext.cudaDevice(rendezvous.rank(), gpus));
        };
    }

    private static List<String> gpus(BarrierTaskContext ctx) {
        ResourceInformation gpu = ctx.resourcesJMap().get("gpu");
        return gpu == null ? List.of() : List.of(gpu.addresses());
    }

    private static String executorId() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        return env == null ? "?" : env.executorId();
    }

    private static byte[] serialize(Object result) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(result);
        }
        return bytes.toByteArray();
    }
}
