// The cloud side of the GPU VM: Terraform resources (built-in ones only, so that
// `terraform plan` runs offline; a real fleet would use its provider's resources).
import { aspect } from "grove";

export default aspect("gpu-cloud", {
  terraform: ({ machine }) => ({
    resource: {
      terraform_data: {
        [machine.name]: { input: { machine: machine.name, gpu: "nvidia-l4", region: "europe-west4" } },
      },
    },
    output: { [`${machine.name}_address`]: { value: "10.0.0.7" } },
  }),
});
