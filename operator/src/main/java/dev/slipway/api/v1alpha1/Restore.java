package dev.slipway.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Replaces an environment's database with a Backup's dump: a safety Backup of the target first,
 * the web pods stopped, pg_restore as the target's own role, the target's release command, the
 * Project's sanitize command when the data came from another environment, then the pods serve
 * again. With {@code from.environment} it takes a fresh Backup of that environment first: the
 * "copy live to test" verb.
 */
@Group(Project.GROUP)
@Version(Project.VERSION)
@Kind("Restore")
@Plural("restores")
@Singular("restore")
@ShortNames("rst")
@Categories("slipway")
@AdditionalPrinterColumn(name = "ENVIRONMENT", jsonPath = ".spec.environment", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "BACKUP", jsonPath = ".status.sourceBackup", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "PHASE", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)", message = "spec.environment and spec.from are required")
@ValidationRule(value = "size(self.metadata.name) <= " + Restore.MAX_NAME,
    message = "metadata.name must be at most " + Restore.MAX_NAME + " characters: it names the Restore's Backups"
        + " (<name>-safety, <name>-source), whose names become label values of at most " + Backup.MAX_NAME)
public class Restore extends CustomResource<RestoreSpec, RestoreStatus> implements Namespaced {

  /** Longest name: {@code <name>-safety} and {@code <name>-source} (7 more) must be valid Backup names. */
  public static final int MAX_NAME = Backup.MAX_NAME - 7;
}
