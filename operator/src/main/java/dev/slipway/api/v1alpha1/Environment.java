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
 * One environment of a Project (for example its test or live site), made and owned by the
 * Project controller; its status says what runs there. BRANCH and FROM in {@code kubectl get env}
 * say where its release comes from: an environment that builds shows its branch, a promoted one
 * (which tracks no branch) the environment it promotes from.
 */
@Group(Project.GROUP)
@Version(Project.VERSION)
@Kind("Environment")
@Plural("environments")
@Singular("environment")
@ShortNames("env")
@Categories("slipway")
@AdditionalPrinterColumn(name = "PROJECT", jsonPath = ".spec.project", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "STAGE", jsonPath = ".spec.stage", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "BRANCH", jsonPath = ".spec.branch", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "FROM", jsonPath = ".spec.promoteFrom", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "COMMIT", jsonPath = ".status.shortCommit", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "PHASE", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "URL", jsonPath = ".status.url", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "size(self.metadata.name) <= " + Names.MAX_ENVIRONMENT_OBJECT_NAME
        + " && self.metadata.name.matches('" + Names.DNS_1035_LABEL + "')",
    message = "metadata.name must be a DNS-1035 label of at most " + Names.MAX_ENVIRONMENT_OBJECT_NAME + " characters")
// An Environment without a spec is never made on purpose (its Project writes the spec): refused on
// create, so a write meant for one deleted a moment ago (a finalizer added by server-side apply
// creates what it does not find) cannot leave a spec-less object behind. An object stored without
// one before this rule (it was allowed) can still be updated, so that its finalizer can go.
@ValidationRule(
    value = "has(self.spec) || (oldSelf.hasValue() && !has(oldSelf.value().spec))",
    optionalOldSelf = true,
    message = "spec is required: an Environment is made by its Project")
public class Environment extends CustomResource<EnvironmentSpec, EnvironmentStatus> implements Namespaced {}
