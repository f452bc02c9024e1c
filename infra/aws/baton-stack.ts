/** The repository's own stack: a thin user of the Baton construct, with outputs for the operator. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Baton, type BatonProps } from './baton';

export interface BatonStackProps extends StackProps, BatonProps {}

export class BatonStack extends Stack {
  readonly baton: Baton;

  constructor(scope: Construct, id: string, props: BatonStackProps) {
    super(scope, id, props);
    this.baton = new Baton(this, 'Baton', props);
    new CfnOutput(this, 'ApiUrl', { value: this.baton.api.apiEndpoint });
    // Where desks and bots fetch users' files (links Baton signs point here).
    new CfnOutput(this, 'MediaUrl', { value: this.baton.mediaUrl.url });
    new CfnOutput(this, 'TableName', { value: this.baton.state.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.baton.state.bus.eventBusName });
    new CfnOutput(this, 'DashboardName', { value: this.baton.monitoring.dashboard.dashboardName });
  }
}
