// API tokens: list, create (the secret is returned once), revoke. Needs the write scope.

import { Arg, Args, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { type Connection, ConnectionArgs, connectionType, PAGE, paginate } from '../../graphql/connection.ts';
import type { RequestContext } from '../../graphql/context.ts';
import { graphqlEnum } from '../../graphql/enums.ts';
import { idInput, payloadType } from '../../graphql/mutation.ts';
import { Node } from '../../graphql/node.ts';
import { SCOPES, type Scope } from './auth.service.ts';

export const TokenScopeEnum = graphqlEnum<Scope>(
  'TokenScope',
  SCOPES,
  'READ: queries and subscriptions; WRITE: mutations too (it implies READ).',
);

@ObjectType({ implements: Node })
export class ApiToken {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The first characters of the secret, to tell tokens apart.' })
  prefix!: string;

  @Field(() => [TokenScopeEnum])
  scopes!: string[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'After this the token is refused; null: it does not expire.' })
  expiresAt!: Date | null;
}

export const ApiTokenConnection = connectionType(ApiToken);

@ObjectType()
export class CreateApiTokenPayload {
  @Field(() => ApiToken)
  token!: ApiToken;

  @Field(() => String, { description: 'Shown once: send it as "Authorization: Bearer <secret>".' })
  secret!: string;
}

@InputType()
export class CreateApiTokenInput {
  @Field(() => String)
  name!: string;

  @Field(() => [TokenScopeEnum], { description: 'WRITE implies READ.' })
  scopes!: Scope[];

  @Field(() => Date, {
    nullable: true,
    description: 'When the token stops working (open WebSockets using it are closed); it never expires when absent.',
  })
  expiresAt?: Date | null;
}

const RevokeApiTokenInput = idInput('RevokeApiTokenInput', 'The token to refuse from now on.');
const RevokeApiTokenPayload = payloadType('RevokeApiTokenPayload', 'token', () => ApiToken, {
  nullable: true,
  description: 'The token, revoked; null when no token has the id.',
});

@Resolver(() => ApiToken)
export class ApiTokenResolver {
  @Authorized('write')
  @Query(() => ApiTokenConnection, { description: 'Oldest first, revoked and expired ones too.' })
  apiTokens(@Ctx() ctx: RequestContext, @Args(() => ConnectionArgs) page: ConnectionArgs): Promise<Connection<ApiToken>> {
    return paginate(ctx.services.auth.listing(), page, PAGE, (rows) => rows);
  }

  @Authorized('write')
  @Mutation(() => CreateApiTokenPayload)
  createApiToken(
    @Arg('input', () => CreateApiTokenInput) input: CreateApiTokenInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateApiTokenPayload> {
    return ctx.services.auth.create(input.name, input.scopes, input.expiresAt);
  }

  @Authorized('write')
  @Mutation(() => RevokeApiTokenPayload, {
    description: 'Refuses the token from now on and closes WebSockets opened with it (4403).',
  })
  async revokeApiToken(
    @Arg('input', () => RevokeApiTokenInput) input: { id: string },
    @Ctx() ctx: RequestContext,
  ): Promise<{ token: ApiToken | null }> {
    const revoked = await ctx.services.auth.revoke(input.id);
    return { token: revoked ? await ctx.services.auth.find(input.id) : null };
  }
}
